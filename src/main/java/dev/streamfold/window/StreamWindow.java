package dev.streamfold.window;

import dev.streamfold.config.WindowConfig;
import dev.streamfold.derive.StreamListener;
import dev.streamfold.otlp.Items;
import dev.streamfold.pipeline.Component;
import dev.streamfold.pipeline.Downstream;
import dev.streamfold.pipeline.IngestResult;
import dev.streamfold.pipeline.Ingress;
import dev.streamfold.pipeline.Unit;
import dev.streamfold.telemetry.PipelineMetrics;
import dev.streamfold.telemetry.Reasons;
import io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.logs.v1.ResourceLogs;
import io.opentelemetry.proto.logs.v1.ScopeLogs;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The stream window as a pipeline stage: the {@link Ingress} receivers hand requests to. Traces
 * and logs are handed, one request at a time, to shard threads (streams are sharded by trace id;
 * each shard's state is owned by its thread, so the chunk path takes no locks); metrics pass
 * straight to the {@link Downstream}.
 *
 * <p>Receivers count what they receive and refuse; the window counts what it passes,
 * condenses, drops and buffers.
 *
 * <p>Bounds: admission refuses a request (REFUSED = gRPC UNAVAILABLE / HTTP 503) when the items
 * admitted but not yet processed would exceed {@code max_pending_items}, or when the export queue
 * is past its admission watermark. Thread-safe.
 */
public final class StreamWindow implements Ingress, Component {
  private static final Logger log = LoggerFactory.getLogger(StreamWindow.class);
  private static final Duration RETRY_AFTER = Duration.ofSeconds(1);

  private final WindowShard[] shards;
  private final Worker[] workers;
  private final Downstream out;
  private final PipelineMetrics metrics;
  private final Clock clock;
  private final long maxPending;
  private final long tickNanos;

  private final AtomicLong pending = new AtomicLong();
  private final AtomicLong pendingSpans = new AtomicLong();
  private final AtomicLong pendingEvents = new AtomicLong();
  private final AtomicLong pendingLogs = new AtomicLong();
  private volatile boolean accepting = true;
  private volatile boolean running;
  private final AtomicLong internalErrors = new AtomicLong();
  private final AtomicLong shedKeys = new AtomicLong();
  private final AtomicLong shedStreams = new AtomicLong();

  public StreamWindow(
      WindowConfig cfg, long maxPendingItems, Downstream out, PipelineMetrics metrics, StreamListener listener, Clock clock) {
    int n = cfg.shards > 0 ? cfg.shards : Math.max(1, Runtime.getRuntime().availableProcessors() / 2);
    this.shards = new WindowShard[n];
    this.workers = new Worker[n];
    for (int i = 0; i < n; i++) {
      shards[i] = new WindowShard(i, n, WindowSettings.of(cfg, n, i), new Recognizer(cfg.rules), out, metrics, listener, clock);
      workers[i] = new Worker(shards[i], i);
    }
    this.out = out;
    this.metrics = metrics;
    this.clock = clock;
    this.maxPending = maxPendingItems;
    this.tickNanos = cfg.tick.toNanos();
    metrics.gauge("streamfold.window.open_streams", "Streams open in the window", this::openStreams);
    metrics.gauge("streamfold.window.memory.bytes", "Estimated heap held by open streams, bytes", this::memoryBytes);
    metrics.gauge("streamfold.window.pending", "Items admitted and not yet processed by the window", pending::get);
    metrics.gauge("streamfold.buffered", "Units received and not yet passed, condensed or dropped", () -> buffered(Unit.SPAN), "unit", Unit.SPAN.label());
    metrics.gauge("streamfold.buffered", "Units received and not yet passed, condensed or dropped", () -> buffered(Unit.SPAN_EVENT), "unit", Unit.SPAN_EVENT.label());
    metrics.gauge("streamfold.buffered", "Units received and not yet passed, condensed or dropped", () -> buffered(Unit.LOG_RECORD), "unit", Unit.LOG_RECORD.label());
  }

  @Override
  public void start() {
    running = true;
    for (Worker w : workers) {
      w.thread.start();
    }
  }

  /** Stops admitting new requests (they get UNAVAILABLE); what was admitted is still processed. */
  public void stopAccepting() {
    accepting = false;
  }

  public boolean accepting() {
    return accepting && running;
  }

  // ---------------------------------------------------------------- ingress

  @Override
  public IngestResult traces(ExportTraceServiceRequest request) {
    long spans = 0;
    long events = 0;
    for (ResourceSpans rs : request.getResourceSpansList()) {
      for (ScopeSpans ss : rs.getScopeSpansList()) {
        spans += ss.getSpansCount();
        for (Span s : ss.getSpansList()) {
          events += s.getEventsCount();
        }
      }
    }
    IngestResult refusal = admit(spans + events);
    if (refusal != null) {
      return refusal;
    }
    if (spans == 0) {
      return IngestResult.OK;
    }
    pendingSpans.addAndGet(spans);
    pendingEvents.addAndGet(events);
    dispatch(new Work(request, null, spans, events, 0));
    return IngestResult.OK;
  }

  @Override
  public IngestResult logs(ExportLogsServiceRequest request) {
    long records = 0;
    for (ResourceLogs rl : request.getResourceLogsList()) {
      for (ScopeLogs sl : rl.getScopeLogsList()) {
        records += sl.getLogRecordsCount();
      }
    }
    IngestResult refusal = admit(records);
    if (refusal != null) {
      return refusal;
    }
    if (records == 0) {
      return IngestResult.OK;
    }
    pendingLogs.addAndGet(records);
    dispatch(new Work(null, request, 0, 0, records));
    return IngestResult.OK;
  }

  @Override
  public IngestResult metrics(ExportMetricsServiceRequest request) {
    long points = Items.dataPoints(request.getResourceMetricsList());
    if (!accepting()) {
      return IngestResult.unavailable("not accepting: draining or not started");
    }
    if (!out.canAdmit(points)) {
      return IngestResult.refused(RETRY_AFTER, "export queue is full");
    }
    metrics.passed(Unit.METRIC_POINT, points);
    if (request.getResourceMetricsCount() > 0) {
      out.offerMetrics(request.getResourceMetricsList(), (int) Math.min(Integer.MAX_VALUE, points));
    }
    return IngestResult.OK;
  }

  /** Returns null when admitted (and reserves {@code items} of the pending budget). */
  private IngestResult admit(long items) {
    if (!accepting()) {
      return IngestResult.unavailable("not accepting: draining or not started");
    }
    // reserve first, then check: what is admitted but not yet processed may all be forwarded,
    // so it counts against the export queue too, and concurrent requests see each other's
    // reservations (checking before reserving let two requests pass on the same room)
    long now = pending.addAndGet(items);
    if (now > maxPending && now != items) {
      pending.addAndGet(-items);
      return IngestResult.refused(RETRY_AFTER, "window ingress is full");
    }
    if (!out.canAdmit(now)) {
      pending.addAndGet(-items);
      return IngestResult.refused(RETRY_AFTER, "export queue is full");
    }
    return null;
  }

  private void dispatch(Work w) {
    w.remaining.set(workers.length);
    for (Worker worker : workers) {
      worker.queue.add(w);
    }
  }

  /**
   * Memory limiter hook: every shard forgets {@code fraction} of its recently-closed keys and
   * closes {@code fraction} of its open streams (evicted), asynchronously; counted in
   * {@link #shedKeys()} / {@link #shedStreams()}.
   */
  public void shed(double fraction) {
    Work w = new Work(null);
    w.shed = fraction;
    dispatch(w);
  }

  public long shedKeys() {
    return shedKeys.get();
  }

  public long shedStreams() {
    return shedStreams.get();
  }

  // ---------------------------------------------------------------- observation

  public int openStreams() {
    int n = 0;
    for (WindowShard s : shards) {
      n += s.openStreams();
    }
    return n;
  }

  public long memoryBytes() {
    long n = 0;
    for (WindowShard s : shards) {
      n += s.memoryBytes();
    }
    return n;
  }

  /** Units received and not yet passed, condensed or dropped: queued for a shard or held in a stream. */
  public long buffered(Unit unit) {
    long n =
        switch (unit) {
          case SPAN -> pendingSpans.get();
          case SPAN_EVENT -> pendingEvents.get();
          case LOG_RECORD -> pendingLogs.get();
          default -> 0;
        };
    for (WindowShard s : shards) {
      n += s.buffered(unit);
    }
    return n;
  }

  /**
   * Waits until every shard has processed what was admitted before this call and has run its
   * deadline check once. For tests and orderly shutdown.
   */
  public boolean sync(Duration timeout) throws InterruptedException {
    CountDownLatch latch = new CountDownLatch(workers.length);
    Work w = new Work(latch);
    w.remaining.set(workers.length);
    for (Worker worker : workers) {
      worker.queue.add(w);
    }
    return latch.await(timeout.toNanos(), TimeUnit.NANOSECONDS);
  }

  // ---------------------------------------------------------------- lifecycle

  /**
   * Stops accepting, processes what was admitted, closes every open stream (stream_end when its
   * stream span arrived, else shutdown) and stops the shard threads.
   */
  @Override
  public void shutdown(Duration timeout) {
    accepting = false;
    long deadline = System.nanoTime() + timeout.toNanos();
    Work close = new Work(new CountDownLatch(workers.length));
    close.closeAll = true;
    close.remaining.set(workers.length);
    for (Worker worker : workers) {
      worker.queue.add(close);
    }
    running = false;
    for (Worker worker : workers) {
      worker.queue.add(Work.POISON);
    }
    for (Worker worker : workers) {
      try {
        worker.thread.join(Math.max(1, (deadline - System.nanoTime()) / 1_000_000));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
      if (worker.thread.isAlive()) {
        log.warn("window shard {} did not stop within the shutdown timeout", worker.index);
      }
    }
  }

  /** A unit of work for every shard: one request (each shard takes its traces), or a control. */
  private static final class Work {
    static final Work POISON = new Work((CountDownLatch) null);

    final ExportTraceServiceRequest traces;
    final ExportLogsServiceRequest logs;
    final long spans;
    final long events;
    final long records;
    final CountDownLatch latch;
    final AtomicInteger remaining = new AtomicInteger();
    boolean closeAll;
    double shed;

    Work(ExportTraceServiceRequest traces, ExportLogsServiceRequest logs, long spans, long events, long records) {
      this(traces, logs, spans, events, records, null);
    }

    Work(CountDownLatch latch) {
      this(null, null, 0, 0, 0, latch);
    }

    private Work(
        ExportTraceServiceRequest traces, ExportLogsServiceRequest logs, long spans, long events, long records, CountDownLatch latch) {
      this.traces = traces;
      this.logs = logs;
      this.spans = spans;
      this.events = events;
      this.records = records;
      this.latch = latch;
    }
  }

  private final class Worker implements Runnable {
    final WindowShard shard;
    final int index;
    final LinkedBlockingQueue<Work> queue = new LinkedBlockingQueue<>();
    final Thread thread;
    private long nextTick;

    Worker(WindowShard shard, int index) {
      this.shard = shard;
      this.index = index;
      this.thread = new Thread(this, "streamfold-window-" + index);
      this.thread.setDaemon(true);
    }

    @Override
    public void run() {
      nextTick = clock.nanos() + tickNanos;
      while (true) {
        Work w;
        try {
          w = queue.poll(Math.max(1_000_000, shard.nanosToNextDeadline()), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
          return;
        }
        if (w == Work.POISON) {
          return;
        }
        try {
          if (w != null) {
            handle(w);
          }
          long now = clock.nanos();
          if (w == null || now >= nextTick) {
            shard.tick();
            nextTick = now + tickNanos;
          }
        } catch (RuntimeException | Error e) {
          if (e instanceof VirtualMachineError vme) {
            throw vme; // out of memory: FatalErrorHandler ends the process, never a half-dead shard
          }
          if (w != null) {
            metrics.dropped(Unit.SPAN, Reasons.INTERNAL_ERROR, w.spans);
            metrics.dropped(Unit.SPAN_EVENT, Reasons.INTERNAL_ERROR, w.events);
            metrics.dropped(Unit.LOG_RECORD, Reasons.INTERNAL_ERROR, w.records);
          }
          if (internalErrors.getAndIncrement() % 10_000 == 0) {
            log.error("window shard {} failed on a request (counted as dropped internal_error; {} so far)", index, internalErrors.get(), e);
          }
        }
      }
    }

    private void handle(Work w) {
      try {
        if (w.traces != null) {
          shard.onTraces(w.traces);
        } else if (w.logs != null) {
          shard.onLogs(w.logs);
        } else if (w.closeAll) {
          shard.closeAll();
        } else if (w.shed > 0) {
          long[] n = shard.shed(w.shed);
          shedKeys.addAndGet(n[0]);
          shedStreams.addAndGet(n[1]);
        } else {
          shard.tick();
        }
      } finally {
        if (w.remaining.decrementAndGet() == 0) {
          if (w.traces != null) {
            pendingSpans.addAndGet(-w.spans);
            pendingEvents.addAndGet(-w.events);
            pending.addAndGet(-(w.spans + w.events));
          } else if (w.logs != null) {
            pendingLogs.addAndGet(-w.records);
            pending.addAndGet(-w.records);
          }
        }
        if (w.latch != null) {
          w.latch.countDown();
        }
      }
    }
  }
}
