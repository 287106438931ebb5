package dev.streamfold.time;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A clock advanced by hand (tests, and {@code explain}, which replays recorded telemetry without
 * waiting). {@link #sleep} does not block: it records the wait and advances both readings by it,
 * so a retry loop runs to completion at once and its waits can be asserted. Thread-safe.
 */
public final class ManualClock implements Clock {
  private final AtomicLong nanos = new AtomicLong(1_000_000_000L);
  private final AtomicLong epochMillis;
  private final List<Duration> sleeps = new CopyOnWriteArrayList<>();

  /** Wall clock starting at the real current time (validation compares data timestamps with it). */
  public ManualClock() {
    this(Instant.now());
  }

  public ManualClock(Instant wallStart) {
    this.epochMillis = new AtomicLong(wallStart.toEpochMilli());
  }

  @Override
  public long nanos() {
    return nanos.get();
  }

  @Override
  public long epochMillis() {
    return epochMillis.get();
  }

  @Override
  public void sleep(Duration d) throws InterruptedException {
    if (Thread.interrupted()) {
      throw new InterruptedException();
    }
    sleeps.add(d);
    advance(d);
  }

  public void advance(Duration d) {
    nanos.addAndGet(d.toNanos());
    epochMillis.addAndGet(d.toMillis());
  }

  /** Every wait requested through {@link #sleep}, in order. */
  public List<Duration> sleeps() {
    return List.copyOf(sleeps);
  }
}
