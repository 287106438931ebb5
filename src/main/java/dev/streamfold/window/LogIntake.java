package dev.streamfold.window;

import dev.streamfold.derive.InputShape;
import dev.streamfold.otlp.Attributes;
import dev.streamfold.otlp.OtlpSignal;
import dev.streamfold.otlp.Regroup;
import dev.streamfold.pipeline.Unit;
import dev.streamfold.telemetry.Reasons;
import dev.streamfold.telemetry.WindowMetrics;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.logs.v1.LogRecord;
import io.opentelemetry.proto.logs.v1.ResourceLogs;
import io.opentelemetry.proto.resource.v1.Resource;
import java.util.List;

/**
 * What each log record of a shard's traces becomes (SPEC 1.3, shape C): a chunk log record is
 * consumed into its stream (by its span id, or the stream id it names), passed as late when its
 * stream already closed, or dropped as truncated past {@code max_chunks_per_stream}; any other
 * record passes unchanged. Runs on the shard's thread with the shard's state; no locks.
 */
final class LogIntake {
  private final int shard;
  private final WindowSettings cfg;
  private final Recognizer rec;
  private final WindowMetrics metrics;
  private final StreamStore store;
  private final ShardCounters counters;
  private final Lifecycle lifecycle;
  private final WindowObserver observer;

  LogIntake(
      int shard,
      WindowSettings cfg,
      Recognizer rec,
      WindowMetrics metrics,
      StreamStore store,
      ShardCounters counters,
      Lifecycle lifecycle,
      WindowObserver observer) {
    this.shard = shard;
    this.cfg = cfg;
    this.rec = rec;
    this.metrics = metrics;
    this.store = store;
    this.counters = counters;
    this.lifecycle = lifecycle;
    this.observer = observer;
  }

  /**
   * Takes in the log records of one request, or of a view ({@link ShardRouter.Part#owners}: only
   * the records this shard owns); returns what passes through, grouping kept.
   *
   * @param owners null when every record is this shard's
   */
  Regroup.Result<ResourceLogs> take(List<ResourceLogs> groups, int[] owners, long now) {
    if (owners == null) {
      return Regroup.map(OtlpSignal.LOGS, groups, (rl, sl, r) -> onLog(r, rl.getResource(), now));
    }
    int[] position = {0};
    return Regroup.map(OtlpSignal.LOGS, groups,
        (rl, sl, r) -> owners[position[0]++] == shard ? onLog(r, rl.getResource(), now) : null);
  }

  /** Takes in one log record; returns the record to pass through (possibly annotated) or null. */
  private LogRecord onLog(LogRecord r, Resource resource, long now) {
    String eventName = Recognizer.logEventName(r);
    String rule = r.getTraceId().size() == 16 ? rec.chunkLogRule(r, eventName) : null;
    long streamId = rule == null ? 0 : ChunkScan.streamIdOf(r.getAttributesList());
    if (streamId == 0 && rule != null) {
      streamId = Ids.spanId(r.getSpanId());
    }
    if (streamId == 0) {
      counters.passedLog();
      observer.passed(r, "");
      return r;
    }
    long hi = Ids.traceHi(r.getTraceId());
    long lo = Ids.traceLo(r.getTraceId());
    counters.chunkLog();
    StreamState st = store.get(hi, lo, streamId);
    if (st == null && store.recent(hi, lo, streamId) != null) {
      metrics.lateChunks(1);
      if (cfg.dropLate()) {
        metrics.dropped(Unit.LOG_RECORD, Reasons.LATE_CHUNK, 1);
        observer.dropped(r, Reasons.LATE_CHUNK);
        return null;
      }
      counters.passedLog();
      observer.passed(r, SpanIntake.LATE);
      return r.toBuilder().addAttributes(Attributes.of("llm_stream.late", true)).build();
    }
    if (st == null) {
      lifecycle.makeRoom(now);
      st = store.create(hi, lo, streamId, resource, now);
    }
    store.touch(st, now);
    long time = r.getTimeUnixNano() != 0 ? r.getTimeUnixNano() : r.getObservedTimeUnixNano();
    if (st.n >= cfg.maxChunksPerStream()) {
      st.dropped++;
      observer.dropped(r, Reasons.TRUNCATED);
      if (!cfg.keepChunks()) {
        metrics.dropped(Unit.LOG_RECORD, Reasons.TRUNCATED, 1);
      }
    } else {
      observer.chunk(r, InputShape.CHUNK_LOGS, rule, hi, lo, streamId, resource);
      List<KeyValue> attrs = r.getAttributesList();
      st.cumulative(ChunkScan.cumulativeOf(attrs));
      long id = eventName.hashCode() * 0x9E3779B97F4A7C15L + 0x5bd1e995L;
      store.addBytes(st.add(StreamState.KIND_LOG, time, 0, id, ChunkScan.delta(attrs), rec.chunkLogIndex(r, eventName)));
      if (!cfg.keepChunks()) {
        st.logUnits++;
        counters.buffer(Unit.LOG_RECORD, 1);
      }
    }
    lifecycle.enforceMemory(st, now);
    if (cfg.keepChunks()) {
      counters.passedLog();
      return r;
    }
    return null;
  }
}
