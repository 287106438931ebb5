package dev.streamfold.testing;

import dev.streamfold.window.Clock;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

/** A clock tests advance by hand. Thread-safe. */
public final class ManualClock implements Clock {
  private final AtomicLong now = new AtomicLong(1_000_000_000L);

  @Override
  public long nanos() {
    return now.get();
  }

  public void advance(Duration d) {
    now.addAndGet(d.toNanos());
  }
}
