package dev.streamfold.http;

import java.net.InetAddress;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Counts open connections in total and per client address, and admits a new one only while both
 * are under their limit. The per-address map holds an entry only for addresses with an open
 * connection, so it is bounded by the total limit. Thread-safe.
 */
public final class ConnectionLimiter {
  /** Why a connection was not admitted. */
  public enum Verdict {
    ADMITTED,
    TOO_MANY_CONNECTIONS,
    TOO_MANY_FROM_CLIENT
  }

  private final int maxConnections;
  private final int maxPerClient;
  private final AtomicInteger open = new AtomicInteger();
  private final ConcurrentHashMap<InetAddress, AtomicInteger> perClient = new ConcurrentHashMap<>();
  private final AtomicLong refusedTotal = new AtomicLong();
  private final AtomicLong refusedPerClient = new AtomicLong();
  private final AtomicLong admittedTotal = new AtomicLong();

  /**
   * @param maxConnections open connections at most, > 0
   * @param maxPerClient open connections from one address at most, > 0
   */
  public ConnectionLimiter(int maxConnections, int maxPerClient) {
    if (maxConnections <= 0 || maxPerClient <= 0) {
      throw new IllegalArgumentException("limits must be > 0");
    }
    this.maxConnections = maxConnections;
    this.maxPerClient = maxPerClient;
  }

  /** Admits the connection (counting it; call {@link #release} exactly once later) or says why not. */
  public Verdict tryAcquire(InetAddress client) {
    if (open.incrementAndGet() > maxConnections) {
      open.decrementAndGet();
      refusedTotal.incrementAndGet();
      return Verdict.TOO_MANY_CONNECTIONS;
    }
    boolean[] admitted = {false};
    perClient.compute(client, (k, n) -> {
      AtomicInteger c = n == null ? new AtomicInteger() : n;
      if (c.get() < maxPerClient) {
        c.incrementAndGet();
        admitted[0] = true;
      }
      return c.get() == 0 ? null : c;
    });
    if (!admitted[0]) {
      open.decrementAndGet();
      refusedPerClient.incrementAndGet();
      return Verdict.TOO_MANY_FROM_CLIENT;
    }
    admittedTotal.incrementAndGet();
    return Verdict.ADMITTED;
  }

  /** Releases a connection admitted by {@link #tryAcquire}. */
  public void release(InetAddress client) {
    perClient.computeIfPresent(client, (k, c) -> c.decrementAndGet() <= 0 ? null : c);
    open.decrementAndGet();
  }

  public int open() {
    return open.get();
  }

  /** Connections admitted (cumulative). */
  public long admitted() {
    return admittedTotal.get();
  }

  /** Connections refused because the total was reached (cumulative). */
  public long refusedTotal() {
    return refusedTotal.get();
  }

  /** Connections refused because their client address was at its limit (cumulative). */
  public long refusedPerClient() {
    return refusedPerClient.get();
  }

  public int maxConnections() {
    return maxConnections;
  }
}
