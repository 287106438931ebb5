package dev.streamfold.export;

import java.time.Duration;

/** Waits between retries; injectable so tests control time. Must honour interruption. */
@FunctionalInterface
public interface Sleeper {
  void sleep(Duration duration) throws InterruptedException;

  Sleeper SYSTEM =
      d -> {
        long nanos = d.toNanos();
        if (nanos > 0) {
          java.util.concurrent.TimeUnit.NANOSECONDS.sleep(nanos);
        }
      };
}
