package dev.streamfold.export;

import dev.streamfold.time.Clock;
import java.time.Duration;
import java.util.function.BooleanSupplier;

/**
 * Shutdown state shared by one exporter's queue, consumers and retry loop, on the one injected
 * {@link Clock}: draining starts a deadline; past it (or on {@link #abort}) in-flight work is
 * given up. Thread-safe.
 */
final class Drain {
  private static final long RECHECK_MILLIS = 5;

  private final Clock clock;
  private volatile boolean draining;
  private volatile boolean aborted;
  private volatile long deadline = Long.MAX_VALUE;

  Drain(Clock clock) {
    this.clock = clock;
  }

  void begin(Duration timeout) {
    deadline = clock.nanos() + timeout.toNanos();
    draining = true;
  }

  boolean draining() {
    return draining;
  }

  boolean aborted() {
    return aborted;
  }

  void abort() {
    aborted = true;
  }

  /** True when waiting {@code delay} before a retry would pass the shutdown deadline, or after abort. */
  boolean cannotWait(Duration delay) {
    return aborted || (draining && clock.nanos() + delay.toNanos() > deadline);
  }

  /**
   * Waits until {@code done} or the deadline on the clock. The condition is re-checked every
   * {@value #RECHECK_MILLIS} ms of real time: it changes through real I/O, and a manual clock
   * only moves when a test (or a retry wait) moves it.
   */
  synchronized void awaitUntil(BooleanSupplier done) {
    try {
      while (!done.getAsBoolean() && clock.nanos() < deadline) {
        wait(RECHECK_MILLIS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Time left before the deadline, at least {@code floor}. */
  Duration remaining(Duration floor) {
    return Duration.ofNanos(Math.max(floor.toNanos(), deadline - clock.nanos()));
  }
}
