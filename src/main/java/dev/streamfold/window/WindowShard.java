package dev.streamfold.window;

import dev.streamfold.derive.EndReason;
import dev.streamfold.derive.StreamListener;
import dev.streamfold.otlp.Regroup;
import dev.streamfold.pipeline.Downstream;
import dev.streamfold.pipeline.Unit;
import dev.streamfold.telemetry.WindowMetrics;
import dev.streamfold.time.Clock;
import io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.logs.v1.ResourceLogs;
import io.opentelemetry.proto.trace.v1.ResourceSpans;

/**
 * The stream window for the traces routed to one shard (SPEC 1.3, 2, 3), as its owner thread
 * sees it: a request, a tick, a shed or the shutdown comes in and is handed to the part that owns
 * it. What each span becomes is decided by {@link SpanIntake}, each log record by
 * {@link LogIntake}; streams live in the {@link StreamStore}, close through the {@link Lifecycle},
 * are counted by {@link ShardCounters}; pass-through items are forwarded with their resource and
 * scope grouping kept, what the shard emits itself goes out through {@link ShardOutput}. All
 * state is owned by the single thread that calls its methods: no locks, no sharing (gauges read a
 * published snapshot).
 *
 * <p>Bounds: open streams ({@code max_open_streams}/shards) and estimated bytes
 * ({@code memory_budget_mib}/shards) evict the least recently active stream; chunks per stream
 * are capped; the recently-closed set is capped in keys and age.
 */
final class WindowShard {
  private final Downstream out;
  private final Clock clock;
  private final StreamStore store;
  private final ShardCounters counters;
  private final ShardOutput output;
  private final Lifecycle lifecycle;
  private final SpanIntake spans;
  private final LogIntake logs;

  WindowShard(
      int index,
      WindowSettings cfg,
      Recognizer rec,
      Downstream out,
      WindowMetrics metrics,
      StreamListener listener,
      Clock clock) {
    this(index, cfg, rec, out, metrics, listener, clock, WindowObserver.NOOP);
  }

  WindowShard(
      int index,
      WindowSettings cfg,
      Recognizer rec,
      Downstream out,
      WindowMetrics metrics,
      StreamListener listener,
      Clock clock,
      WindowObserver observer) {
    this.out = out;
    this.clock = clock;
    this.store = new StreamStore(cfg.recentMaxKeys(), cfg.recentTtlNanos());
    this.counters = new ShardCounters(metrics);
    this.output = new ShardOutput(out);
    HeldSpans held = new HeldSpans(cfg.maxHeldSpans(), store, counters, output, metrics, observer);
    this.lifecycle = new Lifecycle(cfg, rec, store, counters, output, held, metrics, listener, observer, System.nanoTime() ^ index);
    this.spans = new SpanIntake(index, cfg, rec, metrics, store, counters, output, held, lifecycle, observer);
    this.logs = new LogIntake(index, cfg, rec, metrics, store, counters, lifecycle, observer);
  }

  // ---------------------------------------------------------------- requests

  void onTraces(ExportTraceServiceRequest req) {
    onTraces(req, null);
  }

  /**
   * A request, or this shard's view of it.
   *
   * @param owners null when the whole request is this shard's, else the shard of every span by
   *     position ({@link ShardRouter.Part#owners}): only this shard's spans are taken in
   */
  void onTraces(ExportTraceServiceRequest req, int[] owners) {
    Regroup.Result<ResourceSpans> kept = spans.take(req.getResourceSpansList(), owners, clock.nanos());
    if (kept.units(0) > 0) {
      out.offerSpans(kept.groups(0), (int) kept.units(0));
    }
    finish();
  }

  void onLogs(ExportLogsServiceRequest req) {
    onLogs(req, null);
  }

  /** A request of log records, or this shard's view of it (see {@link #onTraces(ExportTraceServiceRequest, int[])}). */
  void onLogs(ExportLogsServiceRequest req, int[] owners) {
    Regroup.Result<ResourceLogs> kept = logs.take(req.getResourceLogsList(), owners, clock.nanos());
    if (kept.units(0) > 0) {
      out.offerLogs(kept.groups(0), (int) kept.units(0));
    }
    finish();
  }

  // ---------------------------------------------------------------- deadlines

  /** Closes streams whose grace, idle timeout or max age has passed; expires recently-closed keys. */
  void tick() {
    lifecycle.tick(clock.nanos());
    finish();
  }

  /**
   * Memory limiter (limiter.MemoryLimiter) over its hard limit: forgets {@code fraction} of the
   * recently-closed keys (oldest first) and closes {@code fraction} of the open streams (least
   * recently active first, as evicted). Returns {keys forgotten, streams closed}.
   */
  long[] shed(double fraction) {
    long now = clock.nanos();
    long keys = store.forgetOldest((long) Math.ceil(store.recentlyClosed() * fraction));
    long streams = (long) Math.ceil(store.size() * fraction);
    long closed = 0;
    for (StreamState s; closed < streams && (s = store.leastRecent()) != null; closed++) {
      lifecycle.close(s, EndReason.EVICTED, now);
    }
    finish();
    return new long[] {keys, closed};
  }

  /** Nanoseconds until the next deadline (grace, idle, max age), capped by the tick. */
  long nanosToNextDeadline() {
    return lifecycle.nanosToNextDeadline(clock.nanos());
  }

  /** Shutdown: streams whose stream span arrived close as stream_end, the rest as shutdown. */
  void closeAll() {
    lifecycle.closeAll(clock.nanos());
    finish();
  }

  /** End of a request or tick: counts flushed, emitted spans offered, gauges published. */
  private void finish() {
    counters.flush();
    output.flush();
    counters.publish(store.size(), store.bytes());
  }

  // ---------------------------------------------------------------- observation (any thread)

  int openStreams() {
    return counters.openStreams();
  }

  long memoryBytes() {
    return counters.memoryBytes();
  }

  long buffered(Unit unit) {
    return counters.buffered(unit);
  }

  /** For tests: number of recently closed keys remembered. */
  int recentlyClosed() {
    return store.recentlyClosed();
  }
}
