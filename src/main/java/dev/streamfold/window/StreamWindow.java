package dev.streamfold.window;

import dev.streamfold.time.Clock;
import dev.streamfold.config.WindowConfig;
import dev.streamfold.derive.StreamListener;
import dev.streamfold.otlp.Items;
import dev.streamfold.otlp.OtlpSignal;
import dev.streamfold.pipeline.Admission;
import dev.streamfold.pipeline.Component;
import dev.streamfold.pipeline.Downstream;
import dev.streamfold.pipeline.IngestResult;
import dev.streamfold.pipeline.Ingress;
import dev.streamfold.pipeline.Unit;
import dev.streamfold.telemetry.WindowMetrics;
import dev.streamfold.telemetry.Reasons;
import io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.logs.v1.LogRecord;
import io.opentelemetry.proto.trace.v1.Span;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The stream window as a pipeline stage: the {@link Ingress} receivers hand requests to. Traces
 * and logs are split by trace id on the caller's thread ({@link ShardRouter}) and each part is
 * queued to the shard that owns those traces (each shard's state is owned by its thread, so the
 * chunk path takes no locks); metrics pass straight to the {@link Downstream}.
 *
 * <p>Receivers count what they receive and refuse; the window counts what it passes,
 * condenses, drops and buffers.
 *
 * <p>Bounds: admission refuses a request (REFUSED = gRPC UNAVAILABLE / HTTP 503) when the items
 * admitted but not yet processed would exceed {@code window.max_pending_items}, or when they and the
 * export queue would pass the queue's admission watermark (both counted {@code window_backlog}), or
 * when the export queue alone is past it ({@code backpressure}). Thread-safe.
 */
public final class StreamWindow implements Ingress, Component {
  private static final Logger log = LoggerFactory.getLogger(StreamWindow.class);
  private static final Duration RETRY_AFTER = Duration.ofSeconds(1);

  private final ShardRouter router;
  private final WindowShard[] shards;
  private final Worker[] workers;
  private final Downstream out;
  private final Admission admission;
  private final WindowMetrics metrics;
  private final Clock clock;
  private final long maxPending;
  private final long tickNanos;

  private final AtomicLong pending = new AtomicLong();
  /** Per unit: queued for a shard, not yet processed. */
  private final AtomicLong[] pendingByUnit = new AtomicLong[Unit.values().length];
  private volatile boolean accepting = true;
  private volatile boolean running;
  private final AtomicLong internalErrors = new AtomicLong();
  private final AtomicLong shedKeys = new AtomicLong();
  private final AtomicLong shedStreams = new AtomicLong();

  public StreamWindow(
      WindowConfig cfg, Downstream out, Admission admission, WindowMetrics metrics, StreamListener listener, Clock clock) {
    this(cfg, out, admission, metrics, listener, clock, WindowObserver.NOOP);
  }

  /** @param observer told what became of each item and stream (explain, debug page); thread-safe */
  public StreamWindow(
      WindowConfig cfg, Downstream out, Admission admission, WindowMetrics metrics, StreamListener listener, Clock clock,
      WindowObserver observer) {
    int n = cfg.shards() > 0 ? cfg.shards() : Math.max(1, Runtime.getRuntime().availableProcessors() / 2);
    this.router = new ShardRouter(n);
    for (int u = 0; u < pendingByUnit.length; u++) {
      pendingByUnit[u] = new AtomicLong();
    }
    this.shards = new WindowShard[n];
    this.workers = new Worker[n];
    for (int i = 0; i < n; i++) {
      shards[i] = new WindowShard(i, WindowSettings.of(cfg, n, i), new Recognizer(cfg.rules()), out, metrics, listener, clock, observer);
      workers[i] = new Worker(shards[i], i);
    }
    this.out = out;
    this.admission = admission;
    this.metrics = metrics;
    this.clock = clock;
    this.maxPending = cfg.maxPendingItems();
    this.tickNanos = cfg.tick().toNanos();
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
    return submit(OtlpSignal.TRACES, router.split(OtlpSignal.TRACES, request, Span::getTraceId));
  }

  @Override
  public IngestResult logs(ExportLogsServiceRequest request) {
    return submit(OtlpSignal.LOGS, router.split(OtlpSignal.LOGS, request, LogRecord::getTraceId));
  }

  /** Admits a routed request and queues each part on its shard. */
  private <Req> IngestResult submit(OtlpSignal<Req, ?, ?, ?, ?> sig, ShardRouter.Parts<Req> routed) {
    IngestResult refusal = admit(routed.units() + routed.extraUnits());
    if (refusal != null) {
      return refusal;
    }
    for (ShardRouter.Part<Req> part : routed.parts()) {
      pending(sig.unit()).addAndGet(part.units());
      if (sig.extraUnit() != null) {
        pending(sig.extraUnit()).addAndGet(part.extraUnits());
      }
      workers[part.shard()].queue.add(new ShardWork(sig, part.request(), part.owners(), part.units(), part.extraUnits()));
    }
    return IngestResult.OK;
  }

  @Override
  public IngestResult metrics(ExportMetricsServiceRequest request) {
    long points = Items.dataPoints(request.getResourceMetricsList());
    if (!accepting()) {
      return IngestResult.unavailable("not accepting: draining or not started");
    }
    IngestResult refusal = refusal(admission.check(0, points), 0, points);
    if (refusal != null) {
      return refusal;
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
      return IngestResult.refused(RETRY_AFTER, "window backlog: " + (now - items) + " items admitted and not yet processed "
          + "by the window and this request's " + items + " exceed window.max_pending_items " + maxPending
          + ": the window is behind its input", Reasons.WINDOW_BACKLOG);
    }
    IngestResult refusal = refusal(admission.check(now - items, items), now - items, items);
    if (refusal != null) {
      pending.addAndGet(-items);
    }
    return refusal;
  }

  /**
   * The answer to a refusing verdict, naming the bound: NEVER is too large; a full export queue is
   * counted as backpressure, a window backlog that fills the export queue's admission room as
   * window_backlog. Null when admitted.
   */
  private IngestResult refusal(Admission.Verdict verdict, long pendingBefore, long items) {
    return switch (verdict) {
      case ADMIT -> null;
      case NEVER -> IngestResult.tooLarge(admission.neverReason(items));
      case BACKLOG -> IngestResult.refused(RETRY_AFTER, admission.retryReason(verdict, pendingBefore, items), Reasons.WINDOW_BACKLOG);
      case RETRY_LATER -> IngestResult.refused(RETRY_AFTER, admission.retryReason(verdict, pendingBefore, items));
    };
  }

  private AtomicLong pending(Unit unit) {
    return pendingByUnit[unit.ordinal()];
  }

  /**
   * Memory limiter hook: every shard forgets {@code fraction} of its recently-closed keys and
   * closes {@code fraction} of its open streams (evicted), asynchronously; counted in
   * {@link #shedKeys()} / {@link #shedStreams()}.
   */
  public void shed(double fraction) {
    ShardWork w = new ShardWork((CountDownLatch) null);
    w.shed = fraction;
    for (Worker worker : workers) {
      worker.queue.add(w);
    }
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
    long n = unit == Unit.METRIC_POINT ? 0 : pending(unit).get();
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
    ShardWork w = new ShardWork(latch);
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
    ShardWork close = new ShardWork(new CountDownLatch(workers.length));
    close.closeAll = true;
    for (Worker worker : workers) {
      worker.queue.add(close);
    }
    running = false;
    for (Worker worker : workers) {
      worker.queue.add(ShardWork.POISON);
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

  private final class Worker implements Runnable {
    final WindowShard shard;
    final int index;
    final LinkedBlockingQueue<ShardWork> queue = new LinkedBlockingQueue<>();
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
        ShardWork w;
        try {
          w = queue.poll(Math.max(1_000_000, shard.nanosToNextDeadline()), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
          return;
        }
        if (w == ShardWork.POISON) {
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
          if (w != null && w.signal != null) {
            metrics.dropped(w.signal.unit(), Reasons.INTERNAL_ERROR, w.units);
            if (w.signal.extraUnit() != null) {
              metrics.dropped(w.signal.extraUnit(), Reasons.INTERNAL_ERROR, w.extraUnits);
            }
          }
          if (internalErrors.getAndIncrement() % 10_000 == 0) {
            log.error("window shard {} failed on a request (counted as dropped internal_error; {} so far)", index, internalErrors.get(), e);
          }
        }
      }
    }

    private void handle(ShardWork w) {
      try {
        if (w.signal == OtlpSignal.TRACES) {
          shard.onTraces((ExportTraceServiceRequest) w.request, w.owners);
        } else if (w.signal == OtlpSignal.LOGS) {
          shard.onLogs((ExportLogsServiceRequest) w.request, w.owners);
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
        if (w.signal != null) {
          pending(w.signal.unit()).addAndGet(-w.units);
          if (w.signal.extraUnit() != null) {
            pending(w.signal.extraUnit()).addAndGet(-w.extraUnits);
          }
          pending.addAndGet(-(w.units + w.extraUnits));
        }
        if (w.latch != null) {
          w.latch.countDown();
        }
      }
    }
  }
}
