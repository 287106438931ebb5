package dev.streamfold.time;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.TimeUnit;

/**
 * The one source of time for every stage: a monotonic reading for deadlines, windows and retry
 * budgets ({@link #nanos()}), a wall-clock reading for checks against timestamps in data and
 * HTTP dates ({@link #epochMillis()}), and the wait between retries ({@link #sleep}). Injected
 * everywhere; tests pass a {@link ManualClock}. Implementations are thread-safe.
 *
 * <p>Window timing (grace, idle, max age) only ever uses {@link #nanos()}: it runs on arrival
 * time, never on timestamps inside the data.
 */
public interface Clock {
  /** Monotonic nanoseconds; only differences are meaningful. */
  long nanos();

  /** Wall-clock milliseconds since the epoch. */
  long epochMillis();

  /** Waits {@code d}; must honour interruption. */
  void sleep(Duration d) throws InterruptedException;

  default Instant instant() {
    return Instant.ofEpochMilli(epochMillis());
  }

  Clock SYSTEM =
      new Clock() {
        @Override
        public long nanos() {
          return System.nanoTime();
        }

        @Override
        public long epochMillis() {
          return System.currentTimeMillis();
        }

        @Override
        public void sleep(Duration d) throws InterruptedException {
          long n = d.toNanos();
          if (n > 0) {
            TimeUnit.NANOSECONDS.sleep(n);
          }
        }
      };
}
