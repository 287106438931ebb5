package dev.streamfold.export;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import dev.streamfold.config.ExporterConfig;
import dev.streamfold.pipeline.Downstream;
import dev.streamfold.pipeline.Signal;
import dev.streamfold.telemetry.ExportMetrics;
import dev.streamfold.telemetry.Reasons;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest;
import io.opentelemetry.proto.logs.v1.ResourceLogs;
import io.opentelemetry.proto.metrics.v1.ResourceMetrics;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import java.io.IOException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.DoubleSupplier;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The export side (SPEC 5): a bounded queue in front of per-signal batchers and
 * {@code queue.consumers} threads that send batches through an {@link Exporter} with retry.
 *
 * <p><b>Bounds and accounting.</b> Items (spans, log records, metric data points) are counted
 * against {@code queue.capacity_items} from the moment they are offered until the downstream
 * acknowledges them or they are dropped; a batch being retried still occupies its share, so a
 * slow or failing downstream turns {@link #canAdmit} false and backpressure reaches the
 * receivers. Offers never block: over the capacity they are dropped and counted as
 * {@code queue_full}. Every item leaves through exactly one of {@code exported},
 * {@code exportPartialRejected} or {@code exportFailed(reason)} (queue_full, non_retryable,
 * retries_exhausted, shutdown, persistent_queue_corrupt), or stays in the persistent queue
 * for the next start. Drops and retries are logged as one aggregated WARN line per 10 s.
 *
 * <p><b>Persistent queue</b> ({@code queue.persistent.enabled}): sealed batches are written to
 * disk before they are queued and acknowledged on disk when the downstream accepted them or
 * they were dropped; memory then only holds references. Both bounds apply: items against
 * {@code capacity_items} (which may be raised, since items live on disk) and bytes against
 * {@code max_size_mib}. Entries still in a batcher (at most {@code batch.timeout}) are in memory
 * only until sealed. At shutdown, what was not delivered stays on disk and is replayed by the
 * next instance. The thread whose offer fills a batch (or the batch timer) encodes it and
 * appends it to the segment file: a sequential write without fsync, no waiting on the network.
 *
 * <p><b>Metrics push</b>: {@link #exportMetricsRequest} sends an encoded
 * ExportMetricsServiceRequest straight through the exporter (one attempt, no queue);
 * {@link #offerMetrics} goes through the queue with batching and retry.
 *
 * <p>Lifecycle: build, {@link #start()} (starts consumers; offers before start are queued),
 * {@link #shutdown(Duration)} once. Thread-safe.
 */
public final class ExportPipeline implements Downstream {
  public static final String QUEUE_SIZE_GAUGE = "streamfold.export.queue.size";
  public static final String QUEUE_CAPACITY_GAUGE = "streamfold.export.queue.capacity";
  public static final String PERSISTENT_BYTES_GAUGE = "streamfold.export.queue.persistent.bytes";

  private static final Logger LOG = LoggerFactory.getLogger(ExportPipeline.class);
  private static final Duration LOG_INTERVAL = Duration.ofSeconds(10);
  private static final long IDLE_POLL_NANOS = TimeUnit.MILLISECONDS.toNanos(200);

  private enum State {
    CREATED,
    RUNNING,
    DRAINING,
    STOPPED
  }

  /** A sealed batch waiting in or taken from the queue: in memory, or a reference to disk. */
  private record Batch(Signal signal, long items, ExportRequest request, PersistentQueue.Ref ref) {}

  private final ExportMetrics metrics;
  private final Exporter exporter;
  private final Sleeper sleeper;
  private final LongSupplier ticker;
  private final RetryPolicy retry;
  private final long capacity;
  private final long admitLimit;
  private final double admitShare;
  private final int consumerCount;
  private final AtomicLong queued = new AtomicLong();
  private final AtomicLong pendingBytes = new AtomicLong();
  private final AtomicLong leftOnDisk = new AtomicLong();
  /** Unbounded as a collection, bounded through {@link #queued}: every batch holds at least one item. */
  private final LinkedBlockingQueue<Batch> ready = new LinkedBlockingQueue<>();
  private final ScheduledThreadPoolExecutor timer;
  private final Batcher<ResourceSpans> traces;
  private final Batcher<ResourceLogs> logs;
  private final Batcher<ResourceMetrics> metricsBatcher;
  private final PersistentQueue disk;
  private final ThrottledLog dropLog;
  private final ThrottledLog retryLog;
  private final List<Thread> consumers = new ArrayList<>();
  private final String queueFullMessage;
  private final String diskFullMessage;
  /** Set by a retryable failure, cleared (with one INFO line) by the next success. */
  private volatile boolean failing;
  private final Object lifecycle = new Object();
  private volatile State state = State.CREATED;
  private volatile boolean abort;
  private volatile long drainDeadline = Long.MAX_VALUE;

  private ExportPipeline(Builder b, Exporter exporter) throws IOException {
    ExporterConfig cfg = b.cfg;
    this.metrics = b.metrics;
    this.exporter = exporter;
    this.sleeper = b.sleeper;
    this.ticker = b.ticker;
    this.retry = new RetryPolicy(cfg.retry, b.random);
    this.capacity = cfg.queue.capacityItems;
    this.admitShare = 1 - cfg.queue.admissionReserve;
    this.admitLimit = (long) Math.floor(capacity * admitShare);
    this.consumerCount = cfg.queue.consumers;
    this.queueFullMessage = "export queue full (" + capacity + " items)";
    this.diskFullMessage = "persistent export queue full (" + cfg.queue.persistent.maxSizeMib + " MiB)";
    this.dropLog = new ThrottledLog("export dropped items", LOG_INTERVAL, ticker, LOG::warn, true);
    this.retryLog = new ThrottledLog("export failing, retrying", LOG_INTERVAL, ticker, LOG::warn, false);
    this.timer =
        new ScheduledThreadPoolExecutor(
            1,
            r -> {
              Thread t = new Thread(r, "streamfold-export-batch-timer");
              t.setDaemon(true);
              return t;
            });
    timer.setRemoveOnCancelPolicy(true);
    timer.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
    int max = cfg.batch.maxSize;
    long timeout = cfg.batch.timeout.toNanos();
    this.traces = new Batcher<>(SignalOps.TRACES, max, timeout, timer, this::enqueue);
    this.logs = new Batcher<>(SignalOps.LOGS, max, timeout, timer, this::enqueue);
    this.metricsBatcher = new Batcher<>(SignalOps.METRICS, max, timeout, timer, this::enqueue);
    if (cfg.queue.persistent.enabled) {
      this.disk =
          new PersistentQueue(
              Path.of(cfg.queue.persistent.directory),
              cfg.queue.persistent.maxSizeMib << 20,
              (signal, items, detail) -> {
                if (signal != null) {
                  metrics.exportFailed(signal, PersistentQueue.CORRUPT, items);
                }
                LOG.warn("persistent export queue: skipped corrupt data: {}", detail);
              });
      try {
        long replayed = 0;
        for (PersistentQueue.Ref ref : disk.recover()) {
          queued.addAndGet(ref.items());
          replayed += ref.items();
          ready.add(new Batch(ref.signal(), ref.items(), null, ref));
        }
        if (replayed > 0) {
          LOG.info("persistent export queue: replaying {} items from {}", replayed, cfg.queue.persistent.directory);
        }
      } catch (IOException | RuntimeException e) {
        disk.close();
        timer.shutdownNow();
        throw e;
      }
      metrics.gauge(PERSISTENT_BYTES_GAUGE, "Bytes held by the persistent export queue", disk::sizeBytes);
    } else {
      this.disk = null;
    }
    metrics.gauge(QUEUE_SIZE_GAUGE, "Items in the export queue (including batches being sent or retried)", queued::get);
    metrics.gauge(QUEUE_CAPACITY_GAUGE, "Capacity of the export queue in items", () -> capacity);
  }

  /** An export pipeline for {@code cfg} with the exporter {@code cfg.type} names; call {@link #start()} next. */
  public static ExportPipeline create(ExporterConfig cfg, ExportMetrics metrics) throws IOException {
    return builder(cfg, metrics).build();
  }

  public static Builder builder(ExporterConfig cfg, ExportMetrics metrics) {
    return new Builder(cfg, metrics);
  }

  /**
   * The exporter {@code cfg.type} names: {@code file}, {@code otlp_grpc} or {@code otlp_http}.
   *
   * @throws IOException when TLS material cannot be read
   */
  public static Exporter createExporter(ExporterConfig cfg, Clock clock) throws IOException {
    try {
      return switch (cfg.type) {
        case "otlp_grpc" -> new GrpcExporter(cfg.otlp);
        case "otlp_http" -> new HttpExporter(cfg.otlp, clock);
        case "file" -> new FileExporter(Path.of(cfg.file.path), cfg.file.maxSizeMib << 20, cfg.file.maxBackups);
        default -> throw new IllegalArgumentException("unknown exporter type " + cfg.type);
      };
    } catch (GeneralSecurityException e) {
      throw new IOException("exporter TLS setup failed: " + e.getMessage(), e);
    }
  }

  /** Builds an {@link ExportPipeline}; test seams for the exporter, time and randomness. */
  public static final class Builder {
    private final ExporterConfig cfg;
    private final ExportMetrics metrics;
    private Exporter exporter;
    private Sleeper sleeper = Sleeper.SYSTEM;
    private LongSupplier ticker = System::nanoTime;
    private Clock clock = Clock.systemUTC();
    private DoubleSupplier random = () -> ThreadLocalRandom.current().nextDouble();

    private Builder(ExporterConfig cfg, ExportMetrics metrics) {
      this.cfg = Objects.requireNonNull(cfg, "cfg");
      this.metrics = Objects.requireNonNull(metrics, "metrics");
    }

    /** Uses this exporter instead of the one {@code cfg.type} names; the pipeline closes it at shutdown. */
    public Builder exporter(Exporter exporter) {
      this.exporter = exporter;
      return this;
    }

    /** Waits between retries (default: real sleep). */
    public Builder sleeper(Sleeper sleeper) {
      this.sleeper = sleeper;
      return this;
    }

    /** Monotonic nanosecond clock for the retry budget and log throttling (default {@link System#nanoTime}). */
    public Builder ticker(LongSupplier ticker) {
      this.ticker = ticker;
      return this;
    }

    /** Wall clock for HTTP-date {@code Retry-After} values. */
    public Builder clock(Clock clock) {
      this.clock = clock;
      return this;
    }

    /** Uniform [0, 1) source for backoff jitter. */
    public Builder random(DoubleSupplier random) {
      this.random = random;
      return this;
    }

    /**
     * Creates the exporter (unless given), opens and replays the persistent queue when
     * enabled, registers the queue gauges.
     */
    public ExportPipeline build() throws IOException {
      Exporter e = exporter != null ? exporter : createExporter(cfg, clock);
      try {
        return new ExportPipeline(this, e);
      } catch (IOException | RuntimeException ex) {
        e.close(Duration.ZERO);
        throw ex;
      }
    }
  }

  @Override
  public void start() {
    synchronized (lifecycle) {
      if (state != State.CREATED) {
        return;
      }
      for (int i = 0; i < consumerCount; i++) {
        Thread t = new Thread(this::consume, "streamfold-export-" + i);
        t.setDaemon(true);
        consumers.add(t);
      }
      state = State.RUNNING;
      consumers.forEach(Thread::start);
      LOG.info("exporting to {} ({} consumers, queue capacity {} items{})", exporter.describe(), consumerCount, capacity, disk != null ? ", persistent" : "");
    }
  }

  // ---- offers

  @Override
  public boolean offerSpans(List<ResourceSpans> spans, int items) {
    return offer(traces, Signal.TRACES, spans, items);
  }

  @Override
  public boolean offerLogs(List<ResourceLogs> logRecords, int items) {
    return offer(logs, Signal.LOGS, logRecords, items);
  }

  @Override
  public boolean offerMetrics(List<ResourceMetrics> metricData, int items) {
    return offer(metricsBatcher, Signal.METRICS, metricData, items);
  }

  private <R extends Message> boolean offer(Batcher<R> batcher, Signal signal, List<R> entries, long items) {
    if (entries.isEmpty()) {
      return true;
    }
    State s = state;
    if (s == State.DRAINING || s == State.STOPPED) {
      drop(signal, Reasons.SHUTDOWN, items, "offered after shutdown began");
      return false;
    }
    if (!reserve(items)) {
      drop(signal, Reasons.QUEUE_FULL, items, queueFullMessage);
      return false;
    }
    long bytes = 0;
    if (disk != null) {
      bytes = PersistentQueue.HEADER;
      for (R r : entries) {
        bytes += r.getSerializedSize() + 6;
      }
      if (!reserveBytes(bytes)) {
        queued.addAndGet(-items);
        drop(signal, Reasons.QUEUE_FULL, items, diskFullMessage);
        return false;
      }
    }
    long actual = batcher.add(entries, items, bytes);
    if (actual < 0) {
      queued.addAndGet(-items);
      pendingBytes.addAndGet(-bytes);
      drop(signal, Reasons.SHUTDOWN, items, "offered after shutdown began");
      return false;
    }
    if (actual != items) {
      queued.addAndGet(actual - items);
    }
    return true;
  }

  private boolean reserve(long items) {
    while (true) {
      long cur = queued.get();
      if (cur + items > capacity) {
        return false;
      }
      if (queued.compareAndSet(cur, cur + items)) {
        return true;
      }
    }
  }

  private boolean reserveBytes(long bytes) {
    long limit = disk.maxBytes();
    while (true) {
      long cur = pendingBytes.get();
      if (disk.sizeBytes() + cur + bytes > limit) {
        return false;
      }
      if (pendingBytes.compareAndSet(cur, cur + bytes)) {
        return true;
      }
    }
  }

  /** Batcher sink: a sealed batch goes to disk (when persistent) and then to the ready queue. */
  private void enqueue(SignalOps<?> ops, Batcher.Sealed sealed) {
    Signal signal = ops.signal;
    if (disk == null) {
      ready.add(new Batch(signal, sealed.items(), ExportRequest.of(signal, sealed.request(), sealed.items()), null));
      return;
    }
    byte[] encoded = sealed.request().toByteArray();
    PersistentQueue.Ref ref;
    try {
      ref = disk.append(signal, sealed.items(), encoded);
    } catch (IOException e) {
      // keep the batch in memory (still bounded by capacity_items) rather than lose it
      dropLog.record("persistent_queue_write_error", 0, e.toString());
      ready.add(new Batch(signal, sealed.items(), ExportRequest.ofEncoded(signal, encoded, sealed.items()), null));
      return;
    } finally {
      pendingBytes.addAndGet(-sealed.bytes());
    }
    if (ref == null) {
      queued.addAndGet(-sealed.items());
      drop(signal, Reasons.QUEUE_FULL, sealed.items(), diskFullMessage);
      return;
    }
    ready.add(new Batch(signal, sealed.items(), null, ref));
  }

  // ---- admission

  @Override
  public boolean canAdmit(long items) {
    State s = state;
    if (s == State.DRAINING || s == State.STOPPED) {
      return false;
    }
    if (queued.get() + items > admitLimit) {
      return false;
    }
    return disk == null || disk.sizeBytes() + pendingBytes.get() <= disk.maxBytes() * admitShare;
  }

  @Override
  public long queuedItems() {
    return queued.get();
  }

  @Override
  public long capacityItems() {
    return capacity;
  }

  // ---- direct metrics push

  /**
   * Sends an encoded ExportMetricsServiceRequest (e.g. from micrometer's OTLP registry) straight
   * through the exporter: one attempt, no batching, no queue (the next push carries cumulative
   * values again). Counted like queued exports: exported / partial-rejected on success,
   * {@code non_retryable} on a permanent error, {@code retries_exhausted} on a retryable one.
   * The future never completes exceptionally.
   */
  public CompletableFuture<ExportOutcome> exportMetricsRequest(byte[] encodedRequest) {
    long items;
    try {
      items = SignalOps.items(ExportMetricsServiceRequest.parseFrom(encodedRequest));
    } catch (InvalidProtocolBufferException e) {
      return CompletableFuture.completedFuture(ExportOutcome.nonRetryable("not an ExportMetricsServiceRequest: " + e.getMessage()));
    }
    if (state == State.STOPPED) {
      metrics.exportFailed(Signal.METRICS, Reasons.SHUTDOWN, items);
      return CompletableFuture.completedFuture(ExportOutcome.nonRetryable("export pipeline stopped"));
    }
    CompletableFuture<ExportOutcome> f;
    try {
      f = exporter.export(ExportRequest.ofEncoded(Signal.METRICS, encodedRequest, items));
    } catch (RuntimeException e) {
      f = CompletableFuture.completedFuture(ExportOutcome.nonRetryable("exporter failed: " + e));
    }
    return f.handle(
        (o, err) -> {
          ExportOutcome out = o != null ? o : ExportOutcome.retryable(null, "export failed: " + err);
          switch (out.kind()) {
            case SUCCESS -> acknowledged(Signal.METRICS, items, out);
            case NON_RETRYABLE -> drop(Signal.METRICS, Reasons.NON_RETRYABLE, items, out.message());
            case RETRYABLE -> drop(Signal.METRICS, Reasons.RETRIES_EXHAUSTED, items, out.message());
          }
          return out;
        });
  }

  // ---- consumers

  private void consume() {
    while (!abort) {
      Batch b;
      try {
        b = ready.poll(IDLE_POLL_NANOS, TimeUnit.NANOSECONDS);
      } catch (InterruptedException e) {
        continue; // abort is checked by the loop
      }
      if (b == null) {
        dropLog.flush(false);
        retryLog.flush(false);
        continue;
      }
      if (abort) {
        abandon(b);
        break;
      }
      try {
        process(b);
      } catch (RuntimeException e) {
        LOG.error("export consumer failed on a {} batch", b.signal().label(), e);
        fail(b, Reasons.NON_RETRYABLE, "internal error: " + e);
      }
    }
    Thread.interrupted();
  }

  private void process(Batch b) {
    ExportRequest request = b.request();
    if (request == null) {
      try {
        request = ExportRequest.ofEncoded(b.signal(), disk.read(b.ref()), b.items());
      } catch (IOException e) {
        if (abort) {
          abandon(b); // the queue was closed under us at shutdown; the record stays on disk
          return;
        }
        LOG.warn("persistent export queue: unreadable batch skipped: {}", e.getMessage());
        fail(b, PersistentQueue.CORRUPT, e.getMessage());
        return;
      }
    }
    long start = ticker.getAsLong();
    int attempt = 0;
    while (true) {
      ExportOutcome o = exportOnce(request);
      if (o == null) {
        abandon(b);
        return;
      }
      switch (o.kind()) {
        case SUCCESS -> {
          if (failing) {
            failing = false;
            retryLog.flush(true);
            LOG.info("export to {} recovered", exporter.describe());
          }
          acknowledged(b.signal(), b.items(), o);
          finish(b);
          return;
        }
        case NON_RETRYABLE -> {
          fail(b, Reasons.NON_RETRYABLE, o.message());
          return;
        }
        case RETRYABLE -> {
          attempt++;
          Duration delay = retry.next(attempt, o.retryAfter(), ticker.getAsLong() - start);
          if (delay == null) {
            fail(b, Reasons.RETRIES_EXHAUSTED, o.message());
            return;
          }
          failing = true;
          retryLog.record(b.signal().label(), b.items(), o.message());
          if (abort || (state == State.DRAINING && System.nanoTime() + delay.toNanos() > drainDeadline)) {
            abandon(b); // waiting would pass the shutdown deadline
            return;
          }
          try {
            sleeper.sleep(delay);
          } catch (InterruptedException e) {
            if (abort) {
              abandon(b);
              return;
            }
          }
        }
      }
    }
  }

  /** One attempt; {@code null} when aborted by shutdown. */
  private ExportOutcome exportOnce(ExportRequest request) {
    if (abort) {
      return null;
    }
    CompletableFuture<ExportOutcome> f;
    try {
      f = exporter.export(request);
    } catch (RuntimeException e) {
      return ExportOutcome.nonRetryable("exporter failed: " + e);
    }
    try {
      ExportOutcome o = f.get();
      return o != null ? o : ExportOutcome.retryable(null, "exporter returned no outcome");
    } catch (InterruptedException e) {
      f.cancel(true);
      return abort ? null : ExportOutcome.retryable(null, "interrupted");
    } catch (ExecutionException | CancellationException e) {
      return ExportOutcome.retryable(null, "export failed: " + e);
    }
  }

  private void acknowledged(Signal signal, long items, ExportOutcome o) {
    long rejected = Math.min(items, o.rejected());
    if (items - rejected > 0) {
      metrics.exported(signal, items - rejected);
    }
    if (rejected > 0) {
      metrics.exportPartialRejected(signal, rejected);
      dropLog.record(signal.label() + "/partial_success_rejected", rejected, o.message());
    }
  }

  private void fail(Batch b, String reason, String message) {
    drop(b.signal(), reason, b.items(), message);
    finish(b);
  }

  /** Shutdown gave up on a batch: counted as shutdown, or left on disk for the next start. */
  private void abandon(Batch b) {
    if (b.ref() != null) {
      leftOnDisk.addAndGet(b.items());
    } else {
      drop(b.signal(), Reasons.SHUTDOWN, b.items(), "not delivered before the shutdown deadline");
    }
    queued.addAndGet(-b.items());
  }

  private void finish(Batch b) {
    if (b.ref() != null) {
      try {
        disk.ack(b.ref());
      } catch (IOException e) {
        dropLog.record("persistent_queue_ack_error", 0, e.toString());
      }
    }
    queued.addAndGet(-b.items());
  }

  private void drop(Signal signal, String reason, long items, String message) {
    metrics.exportFailed(signal, reason, items);
    dropLog.record(signal.label() + "/" + reason, items, message);
  }

  // ---- shutdown

  /**
   * Stops accepting, seals the open batches, lets the consumers drain the queue until it is
   * empty or {@code timeout} has passed, then aborts what is left (counted as {@code shutdown},
   * or kept on disk with the persistent queue) and closes the exporter.
   */
  @Override
  public void shutdown(Duration timeout) {
    synchronized (lifecycle) {
      if (state == State.DRAINING || state == State.STOPPED) {
        return;
      }
      drainDeadline = System.nanoTime() + timeout.toNanos();
      state = State.DRAINING;
    }
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
      while (queued.get() > 0 && System.nanoTime() < drainDeadline) {
        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5));
      }
    }
    abort = true;
    for (Thread t : consumers) {
      t.interrupt();
    }
    for (Thread t : consumers) {
      try {
        t.join(TimeUnit.SECONDS.toMillis(5));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
    }
    for (Batch b; (b = ready.poll()) != null; ) {
      abandon(b);
    }
    timer.shutdownNow();
    long left = Math.max(TimeUnit.MILLISECONDS.toNanos(500), drainDeadline - System.nanoTime());
    exporter.close(Duration.ofNanos(left));
    if (disk != null) {
      disk.close();
      if (leftOnDisk.get() > 0) {
        LOG.info("persistent export queue: {} items kept on disk for the next start", leftOnDisk.get());
      }
    }
    dropLog.flush(true);
    retryLog.flush(true);
    state = State.STOPPED;
  }
}
