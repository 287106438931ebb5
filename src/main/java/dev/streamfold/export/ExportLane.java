package dev.streamfold.export;

import com.google.protobuf.Message;
import dev.streamfold.config.ExporterConfig;
import dev.streamfold.pipeline.Admission;
import dev.streamfold.pipeline.Signal;
import dev.streamfold.telemetry.ExportMetrics;
import dev.streamfold.telemetry.Reasons;
import dev.streamfold.time.Clock;
import io.opentelemetry.proto.logs.v1.ResourceLogs;
import io.opentelemetry.proto.metrics.v1.ResourceMetrics;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.DoubleSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One exporter's chain: {@link ExportQueue} (room and admission) -> per-signal {@link Batcher}s
 * -> the ready queue -> {@code queue.consumers} threads -> {@link RetrySender} -> {@link Exporter}.
 * Its own threads, queue, retry and counters, so a slow exporter never stalls another one.
 *
 * <p>Every offered item leaves through exactly one of exported, partial-rejected or
 * failed(reason) (queue_full, non_retryable, retries_exhausted, too_large, shutdown,
 * persistent_queue_corrupt), or stays in the persistent queue for the next start.
 * Lifecycle: {@link #start()}, {@link #shutdown(Duration)} once. Thread-safe.
 */
final class ExportLane {
  private static final Logger LOG = LoggerFactory.getLogger(ExportLane.class);
  private static final long IDLE_POLL_MILLIS = 200;

  private final String name;
  private final Exporter exporter;
  private final ExportCounters counters;
  private final ExportQueue queue;
  private final RetrySender sender;
  private final Drain drain;
  private final int consumerCount;
  private final ScheduledThreadPoolExecutor timer;
  private final Batcher<ResourceSpans> traces;
  private final Batcher<ResourceLogs> logs;
  private final Batcher<ResourceMetrics> metricsBatcher;
  private final List<Thread> consumers = new ArrayList<>();
  private long leftOnDisk;

  ExportLane(String name, ExporterConfig cfg, Exporter exporter, ExportMetrics metrics, Clock clock, DoubleSupplier random)
      throws IOException {
    this.name = name;
    this.exporter = exporter;
    this.counters = new ExportCounters(metrics.forExporter(name), exporter.describe(), clock);
    this.queue = new ExportQueue(cfg.queue(), counters);
    this.drain = new Drain(clock);
    this.sender = new RetrySender(exporter, new RetryPolicy(cfg.retry(), random), clock, drain, counters);
    this.consumerCount = cfg.queue().consumers();
    this.timer =
        new ScheduledThreadPoolExecutor(
            1,
            r -> {
              Thread t = new Thread(r, "streamfold-export-batch-timer-" + name);
              t.setDaemon(true);
              return t;
            });
    timer.setRemoveOnCancelPolicy(true);
    timer.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
    int max = cfg.batch().maxSize();
    long maxBytes = cfg.batch().maxBytes();
    long timeout = cfg.batch().timeout().toNanos();
    Batcher.Sink sink = (ops, sealed) -> queue.put(ops.signal, ExportRequest.of(ops.signal, sealed.request(), sealed.items()), sealed.bytes());
    this.traces = new Batcher<>(SignalOps.TRACES, max, maxBytes, timeout, timer, sink);
    this.logs = new Batcher<>(SignalOps.LOGS, max, maxBytes, timeout, timer, sink);
    this.metricsBatcher = new Batcher<>(SignalOps.METRICS, max, maxBytes, timeout, timer, sink);
  }

  String name() {
    return name;
  }

  ExportQueue queue() {
    return queue;
  }

  boolean failing() {
    return counters.failing();
  }

  void start() {
    for (int i = 0; i < consumerCount; i++) {
      Thread t = new Thread(this::consume, "streamfold-export-" + name + "-" + i);
      t.setDaemon(true);
      consumers.add(t);
    }
    consumers.forEach(Thread::start);
    LOG.info("exporting to {} ({} consumers, queue capacity {} items{})", exporter.describe(), consumerCount, queue.capacity(), queue.persistent() ? ", persistent" : "");
  }

  Admission.Verdict check(long pending, long items) {
    if (drain.draining()) {
      return Admission.Verdict.RETRY_LATER;
    }
    return queue.check(pending, items);
  }

  /** Why {@link #check} refused (see {@link ExportQueue#retryReason}). */
  String retryReason(Admission.Verdict verdict, long pending, long items, String exporter) {
    if (drain.draining()) {
      return "export is shutting down" + exporter;
    }
    return queue.retryReason(verdict, pending, items, exporter);
  }

  // ---- offers

  boolean offerSpans(List<ResourceSpans> spans, long items) {
    return offer(traces, Signal.TRACES, spans, items);
  }

  boolean offerLogs(List<ResourceLogs> entries, long items) {
    return offer(logs, Signal.LOGS, entries, items);
  }

  boolean offerMetrics(List<ResourceMetrics> entries, long items) {
    return offer(metricsBatcher, Signal.METRICS, entries, items);
  }

  private <R extends Message> boolean offer(Batcher<R> batcher, Signal signal, List<R> entries, long items) {
    if (entries.isEmpty()) {
      return true;
    }
    if (drain.draining()) {
      counters.dropped(signal, Reasons.SHUTDOWN, items, "offered after shutdown began");
      return false;
    }
    long bytes = 0;
    if (queue.persistent()) {
      bytes = PersistentQueue.HEADER;
      for (R r : entries) {
        bytes += r.getSerializedSize() + 6;
      }
    }
    if (!queue.reserve(signal, items, bytes)) {
      return false;
    }
    long actual = batcher.add(entries, items, bytes);
    if (actual < 0) {
      queue.release(items, bytes);
      counters.dropped(signal, Reasons.SHUTDOWN, items, "offered after shutdown began");
      return false;
    }
    if (actual != items) {
      queue.release(items - actual, 0);
    }
    return true;
  }

  // ---- consumers

  private void consume() {
    while (!drain.aborted()) {
      ExportQueue.Batch b;
      try {
        b = queue.poll(IDLE_POLL_MILLIS, TimeUnit.MILLISECONDS);
      } catch (InterruptedException e) {
        continue; // abort is checked by the loop
      }
      if (b == null) {
        counters.flush(false);
        continue;
      }
      if (drain.aborted()) {
        abandon(b);
        break;
      }
      try {
        process(b);
      } catch (RuntimeException e) {
        LOG.error("export consumer failed on a {} batch", b.signal().label(), e);
        counters.dropped(b.signal(), Reasons.NON_RETRYABLE, b.items(), "internal error: " + e);
        queue.done(b);
      }
    }
    Thread.interrupted();
  }

  private void process(ExportQueue.Batch b) {
    ExportRequest request;
    try {
      request = queue.load(b);
    } catch (IOException e) {
      if (drain.aborted()) {
        abandon(b); // the queue was closed under us at shutdown; the record stays on disk
        return;
      }
      LOG.warn("persistent export queue: unreadable batch skipped: {}", e.getMessage());
      counters.dropped(b.signal(), PersistentQueue.CORRUPT, b.items(), e.getMessage());
      queue.done(b);
      return;
    }
    if (sender.send(request) > 0) {
      abandon(b);
    } else {
      queue.done(b);
    }
  }

  /** Shutdown gave up on a batch: counted as shutdown, or left on disk for the next start. */
  private void abandon(ExportQueue.Batch b) {
    if (b.ref() != null) {
      synchronized (this) {
        leftOnDisk += b.items();
      }
    } else {
      counters.dropped(b.signal(), Reasons.SHUTDOWN, b.items(), "not delivered before the shutdown deadline");
    }
    queue.release(b.items(), 0);
  }

  // ---- shutdown

  /**
   * Stops accepting, seals the open batches, lets the consumers drain the queue until it is
   * empty or {@code timeout} has passed, then aborts what is left (counted as {@code shutdown},
   * or kept on disk with the persistent queue) and closes the exporter.
   */
  void shutdown(Duration timeout) {
    drain.begin(timeout);
    traces.close();
    logs.close();
    metricsBatcher.close();
    // closed batchers schedule nothing new; let a flush that is running right now hand over its batch
    timer.shutdown();
    try {
      timer.awaitTermination(1, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (!consumers.isEmpty()) {
      drain.awaitUntil(() -> queue.size() == 0);
    }
    drain.abort();
    consumers.forEach(Thread::interrupt);
    for (Thread t : consumers) {
      try {
        t.join(TimeUnit.SECONDS.toMillis(5));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
    }
    for (ExportQueue.Batch b : queue.drain()) {
      abandon(b);
    }
    timer.shutdownNow();
    exporter.close(drain.remaining(Duration.ofMillis(500)));
    queue.close();
    synchronized (this) {
      if (leftOnDisk > 0) {
        LOG.info("persistent export queue: {} items kept on disk for the next start", leftOnDisk);
      }
    }
    counters.flush(true);
  }
}
