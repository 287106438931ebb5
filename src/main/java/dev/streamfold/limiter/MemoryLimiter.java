package dev.streamfold.limiter;

import dev.streamfold.config.ServiceConfig;
import dev.streamfold.telemetry.PipelineMetrics;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps retained heap (see {@link HeapGauge}) under the max heap, in the spirit of the
 * OpenTelemetry Collector's memory_limiter:
 *
 * <ul>
 *   <li>over the soft limit new data is refused (UNAVAILABLE / 503 with Retry-After, counted as
 *       {@code streamfold_refused_total{reason="memory_limit"}}): senders retry later, nothing
 *       accepted is lost;
 *   <li>over the hard limit a full collection is forced (at most once per
 *       {@value #HARD_GC_GAP_MS} ms); if retained heap is still over it, the cheapest state is
 *       shed: a quarter of the recently-closed keys and a quarter of the open streams (closed as
 *       evicted, so their condensed spans still leave); both counted;
 *   <li>over the soft limit only, a collection is forced at most once per
 *       {@value #SOFT_GC_GAP_MS} ms, so that promoted garbage does not keep data refused.
 * </ul>
 *
 * <p>Checks run on admission, at most once per {@code check_interval}, by whichever request
 * thread comes first: an idle service never wakes up for it. Thread-safe.
 */
public final class MemoryLimiter {
  private static final Logger log = LoggerFactory.getLogger(MemoryLimiter.class);
  static final long HARD_GC_GAP_MS = 1_000;
  static final long SOFT_GC_GAP_MS = 5_000;
  static final double SHED_FRACTION = 0.25;

  /** What the limiter can give back over the hard limit (the window). */
  public interface Shedder {
    void shed(double fraction);
  }

  private final HeapGauge heap;
  private final Shedder shedder;
  private final LongSupplier nanos;
  private final long intervalNanos;
  private final long soft;
  private final long hard;
  private final ReentrantLock checking = new ReentrantLock();
  private final AtomicLong forcedGcs = new AtomicLong();
  private final AtomicLong sheds = new AtomicLong();
  private volatile long lastCheck;
  private volatile boolean refusing;
  private volatile long lastUsed;
  private long lastGc;
  private boolean checkedOnce;

  public MemoryLimiter(ServiceConfig.MemoryLimiter cfg, HeapGauge heap, Shedder shedder, LongSupplier nanos) {
    this.heap = heap;
    this.shedder = shedder;
    this.nanos = nanos;
    this.intervalNanos = cfg.checkInterval().toNanos();
    this.soft = heap.capacity() / 100 * cfg.softLimitPercentage();
    this.hard = heap.capacity() / 100 * cfg.hardLimitPercentage();
    this.lastGc = nanos.getAsLong() - HARD_GC_GAP_MS * 10_000_000L;
  }

  /** Registers the limiter's gauges and counters. */
  public MemoryLimiter register(PipelineMetrics metrics) {
    metrics.gauge("streamfold.memory_limiter.retained.bytes", "Retained heap at the last check (old generation + survivors), bytes", () -> lastUsed);
    metrics.gauge("streamfold.memory_limiter.soft_limit.bytes", "Retained heap over which new data is refused, bytes", () -> soft);
    metrics.gauge("streamfold.memory_limiter.hard_limit.bytes", "Retained heap over which a collection is forced and state shed, bytes", () -> hard);
    metrics.gauge("streamfold.memory_limiter.refusing", "1 while new data is refused for memory, else 0", () -> refusing ? 1 : 0);
    metrics.counter("streamfold.memory_limiter.forced_gc", "Full collections forced by the memory limiter", forcedGcs::get);
    metrics.counter("streamfold.memory_limiter.sheds", "Times the memory limiter shed state over its hard limit", sheds::get);
    return this;
  }

  /** False when new data must be refused now; checks the heap when the last check is old enough. */
  public boolean admit() {
    long now = nanos.getAsLong();
    if ((now - lastCheck >= intervalNanos || !checkedOnce) && checking.tryLock()) {
      try {
        check(now);
      } finally {
        checking.unlock();
      }
    }
    return !refusing;
  }

  public boolean refusing() {
    return refusing;
  }

  public long forcedGcs() {
    return forcedGcs.get();
  }

  public long sheds() {
    return sheds.get();
  }

  private void check(long now) {
    checkedOnce = true;
    long used = heap.used();
    if (used > soft) {
      long gap = (used > hard ? HARD_GC_GAP_MS : SOFT_GC_GAP_MS) * 1_000_000L;
      if (now - lastGc >= gap) {
        heap.collect();
        lastGc = nanos.getAsLong();
        forcedGcs.incrementAndGet();
        used = heap.used();
        if (used > hard) {
          shedder.shed(SHED_FRACTION);
          sheds.incrementAndGet();
          log.warn("retained heap {} MiB over the hard limit {} MiB after a collection: shed {}% of open streams and recently-closed keys",
              used >> 20, hard >> 20, (int) (SHED_FRACTION * 100));
        }
      }
    }
    boolean was = refusing;
    refusing = used > soft;
    if (refusing != was) {
      log.info(refusing ? "retained heap {} MiB over the soft limit {} MiB: refusing new data" : "retained heap {} MiB under the soft limit {} MiB: accepting again",
          used >> 20, soft >> 20);
    }
    lastUsed = used;
    lastCheck = now;
  }
}
