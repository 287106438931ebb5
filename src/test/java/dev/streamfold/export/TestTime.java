package dev.streamfold.export;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/** Fake time: sleeping records the delay and advances the ticker instantly. */
final class TestTime implements Sleeper, LongSupplier {
  final AtomicLong nanos = new AtomicLong(1_000_000_000L);
  final List<Duration> sleeps = new CopyOnWriteArrayList<>();

  @Override
  public void sleep(Duration d) throws InterruptedException {
    if (Thread.interrupted()) {
      throw new InterruptedException();
    }
    sleeps.add(d);
    nanos.addAndGet(d.toNanos());
    Thread.yield();
  }

  @Override
  public long getAsLong() {
    return nanos.get();
  }
}
