package dev.streamfold.receiver;

import dev.streamfold.telemetry.ReceiverMetrics;
import java.time.Duration;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A fixed pool of daemon threads in front of a bounded queue; {@link #execute} throws
 * {@link java.util.concurrent.RejectedExecutionException} when the queue is full, and counts it.
 * Queue depth, capacity and the rejection total are exported as gauges
 * ({@code streamfold.receiver.executor.*}, tag {@code transport}). Thread-safe.
 */
final class BoundedExecutor extends ThreadPoolExecutor {
  private final AtomicLong rejected = new AtomicLong();

  BoundedExecutor(String name, int threads, int queueCapacity, ReceiverMetrics metrics) {
    super(threads, threads, 60, TimeUnit.SECONDS, new ArrayBlockingQueue<>(queueCapacity), threadFactory(name));
    setRejectedExecutionHandler(
        (r, e) -> {
          rejected.incrementAndGet();
          throw new java.util.concurrent.RejectedExecutionException(name + " queue full");
        });
    metrics.gauge("streamfold.receiver.executor.queued", "Requests waiting for a receiver thread",
        () -> getQueue().size(), "transport", name);
    metrics.gauge("streamfold.receiver.executor.capacity", "Capacity of the receiver request queue",
        () -> queueCapacity, "transport", name);
    metrics.gauge("streamfold.receiver.executor.rejected", "Requests turned away because the receiver queue was full (cumulative)",
        rejected::get, "transport", name);
  }

  long rejectedCount() {
    return rejected.get();
  }

  /** Stops taking work, waits up to {@code timeout} for queued work, then interrupts. */
  void close(Duration timeout) {
    shutdown();
    try {
      if (!awaitTermination(Math.max(0, timeout.toMillis()), TimeUnit.MILLISECONDS)) {
        shutdownNow();
      }
    } catch (InterruptedException e) {
      shutdownNow();
      Thread.currentThread().interrupt();
    }
  }

  static int threads(int configured) {
    return configured > 0 ? configured : Math.max(2, Runtime.getRuntime().availableProcessors());
  }

  private static ThreadFactory threadFactory(String name) {
    AtomicInteger n = new AtomicInteger();
    return r -> {
      Thread t = new Thread(r, "streamfold-" + name + "-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    };
  }
}
