package dev.streamfold.window;

import com.google.protobuf.ByteString;
import dev.streamfold.derive.ClosedStream;
import dev.streamfold.derive.Derivations;
import dev.streamfold.derive.DerivedStream;
import dev.streamfold.derive.EndReason;
import dev.streamfold.derive.InputShape;
import dev.streamfold.derive.StreamFacts;
import dev.streamfold.derive.StreamListener;
import dev.streamfold.derive.Summary;
import dev.streamfold.otlp.Attributes;
import dev.streamfold.pipeline.Downstream;
import dev.streamfold.pipeline.Unit;
import dev.streamfold.telemetry.PipelineMetrics;
import dev.streamfold.telemetry.Reasons;
import io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.InstrumentationScope;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.logs.v1.LogRecord;
import io.opentelemetry.proto.logs.v1.ResourceLogs;
import io.opentelemetry.proto.logs.v1.ScopeLogs;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The stream window for the traces that hash to one shard (SPEC 1.3, 2, 3). All state is owned by
 * the single thread that calls its methods: no locks, no sharing. Pass-through items are
 * forwarded with their resource and scope grouping preserved; condensed and synthetic spans are
 * emitted when streams close.
 *
 * <p>Bounds: open streams ({@code max_open_streams}/shards) and estimated bytes
 * ({@code memory_budget_mib}/shards) evict the least recently active stream; chunks per stream
 * are capped; the recently-closed set is capped in keys and age.
 */
final class WindowShard {
  private static final int SHAPE_SPANS = StreamState.KIND_SPAN;

  private final int index;
  private final int shards;
  private final WindowSettings cfg;
  private final Recognizer rec;
  private final Downstream out;
  private final PipelineMetrics metrics;
  private final StreamListener listener;
  private final Clock clock;
  private final SplittableRandom random;

  private final StreamTable open = new StreamTable();
  private final HashMap<Long, StreamState> byTrace = new HashMap<>();
  private final StreamList lru = new StreamList(0);
  private final StreamList age = new StreamList(1);
  private final StreamList grace = new StreamList(2);
  private final LinkedHashMap<StreamKey, Closed> recent = new LinkedHashMap<>();
  private final StreamKey probe = new StreamKey();

  private final List<ResourceSpans> emitted = new ArrayList<>();
  private int emittedCount;
  private long bytes;
  private long sequence;

  // buffered units (read by gauges from other threads: volatile snapshots)
  private long bufSpans;
  private long bufEvents;
  private long bufLogs;
  private volatile long[] snapshot = new long[5];

  /** What is remembered of a recently closed stream. */
  private static final class Closed {
    final long closedAt;
    final EndReason reason;
    /** Derivations of a stream closed without its stream span (for a late stream span). */
    final DerivedStream derived;
    boolean streamSpanDone;

    Closed(long closedAt, EndReason reason, DerivedStream derived, boolean streamSpanDone) {
      this.closedAt = closedAt;
      this.reason = reason;
      this.derived = derived;
      this.streamSpanDone = streamSpanDone;
    }
  }

  WindowShard(
      int index,
      int shards,
      WindowSettings cfg,
      Recognizer rec,
      Downstream out,
      PipelineMetrics metrics,
      StreamListener listener,
      Clock clock) {
    this.index = index;
    this.shards = shards;
    this.cfg = cfg;
    this.rec = rec;
    this.out = out;
    this.metrics = metrics;
    this.listener = listener;
    this.clock = clock;
    this.random = new SplittableRandom(System.nanoTime() ^ index);
  }

  // ---------------------------------------------------------------- traces

  void onTraces(ExportTraceServiceRequest req) {
    long now = clock.nanos();
    List<ResourceSpans> passOut = new ArrayList<>(req.getResourceSpansCount());
    int passCount = 0;
    for (ResourceSpans rs : req.getResourceSpansList()) {
      List<ScopeSpans> scopes = null;
      boolean rsChanged = false;
      List<ScopeSpans> inScopes = rs.getScopeSpansList();
      for (int si = 0; si < inScopes.size(); si++) {
        ScopeSpans ss = inScopes.get(si);
        List<Span> spans = ss.getSpansList();
        List<Span> kept = null;
        for (int i = 0; i < spans.size(); i++) {
          Span s = spans.get(i);
          Span r = mine(s.getTraceId()) ? onSpan(s, rs.getResource(), ss.getScope(), now) : null;
          if (r != s && kept == null) {
            kept = new ArrayList<>(spans.subList(0, i));
          }
          if (r != null) {
            passCount++;
            if (kept != null) {
              kept.add(r);
            }
          }
        }
        if (kept != null) {
          if (!rsChanged) {
            rsChanged = true;
            scopes = new ArrayList<>(inScopes.subList(0, si));
          }
          if (!kept.isEmpty()) {
            scopes.add(ss.toBuilder().clearSpans().addAllSpans(kept).build());
          }
        } else if (rsChanged) {
          scopes.add(ss);
        }
      }
      if (!rsChanged) {
        if (!inScopes.isEmpty()) {
          passOut.add(rs);
        }
      } else if (!scopes.isEmpty()) {
        passOut.add(rs.toBuilder().clearScopeSpans().addAllScopeSpans(scopes).build());
      }
    }
    if (passCount > 0) {
      out.offerSpans(passOut, passCount);
    }
    flushEmitted();
    publish();
  }

  private boolean mine(ByteString traceId) {
    return shards == 1 || Ids.shardOf(Ids.traceHi(traceId), Ids.traceLo(traceId), shards) == index;
  }

  /** Handles one span; returns the span to pass through (possibly modified) or null. */
  private Span onSpan(Span s, Resource resource, InstrumentationScope scope, long now) {
    long hi = Ids.traceHi(s.getTraceId());
    long lo = Ids.traceLo(s.getTraceId());
    int events = s.getEventsCount();
    long spanId = Ids.spanId(s.getSpanId());

    scan(s.getAttributesList());
    if (rec.isChunkSpan(s, scIsChunk)) {
      long streamId = scStreamId;
      if (streamId == 0) {
        streamId = Ids.spanId(s.getParentSpanId());
      }
      if (streamId != 0) {
        return onChunkSpan(s, resource, hi, lo, streamId, spanId, events, now);
      }
    }

    // span events that are chunks (shape B) and first-chunk markers
    int chunkEvents = 0;
    for (int i = 0; i < events; i++) {
      if (rec.isChunkEvent(s.getEvents(i))) {
        chunkEvents++;
      }
    }

    probe.set(hi, lo, spanId);
    StreamState st = open.get(hi, lo, spanId);
    if (st != null) {
      if (st.streamSpan != null) {
        metrics.dropped(Unit.SPAN, Reasons.DUPLICATE_STREAM_SPAN, 1);
        metrics.dropped(Unit.SPAN_EVENT, Reasons.DUPLICATE_STREAM_SPAN, events);
        return null;
      }
      attachStreamSpan(st, s, resource, scope, chunkEvents, false, now);
      return null;
    }
    Closed closed = recent.get(probe);
    if (closed != null) {
      if (closed.streamSpanDone) {
        metrics.dropped(Unit.SPAN, Reasons.DUPLICATE_STREAM_SPAN, 1);
        metrics.dropped(Unit.SPAN_EVENT, Reasons.DUPLICATE_STREAM_SPAN, events);
      } else {
        closed.streamSpanDone = true;
        Span late = Condenser.condensed(s, closed.derived, true, rec);
        emit(resource, scope, late);
        metrics.condensed(Unit.SPAN, 1);
        metrics.condensed(Unit.SPAN_EVENT, events);
      }
      return null;
    }
    Summary summary = Recognizer.mayCarrySummary(s) ? Summary.of(s) : Summary.NONE;
    boolean announces = rec.announcesStream(s, summary);
    if (chunkEvents > 0 || announces) {
      StreamState created = create(hi, lo, spanId, resource, now);
      // shape B without an announcement carries everything: no grace
      attachStreamSpan(created, s, resource, scope, chunkEvents, !announces, now);
      return null;
    }

    // re-parent children of dropped chunk spans
    long parent = Ids.spanId(s.getParentSpanId());
    if (parent != 0 && !cfg.keepChunks()) {
      for (StreamState t = byTrace.get(lo); t != null; t = t.traceNext) {
        if (t.key.traceHi == hi && t.key.traceLo == lo && t.hasChunkSpan(parent)) {
          metrics.reparented(true, 1);
          accPassedSpans++;
          accPassedEvents += events;
          return s.toBuilder().setParentSpanId(Ids.spanIdBytes(t.key.streamId)).build();
        }
      }
    }
    accPassedSpans++;
    accPassedEvents += events;
    return s;
  }

  private Span onChunkSpan(Span s, Resource resource, long hi, long lo, long streamId, long spanId, int events, long now) {
    accChunkSpans++;
    probe.set(hi, lo, streamId);
    StreamState st = lookup(hi, lo, streamId);
    if (st == null && recent.containsKey(probe)) {
      metrics.lateChunks(1);
      if (cfg.dropLate()) {
        metrics.dropped(Unit.SPAN, Reasons.LATE_CHUNK, 1);
        metrics.dropped(Unit.SPAN_EVENT, Reasons.LATE_CHUNK, events);
        return null;
      }
      accPassedSpans++;
      accPassedEvents += events;
      return s.toBuilder().addAttributes(Attributes.of("llm_stream.late", true)).build();
    }
    if (st == null) {
      st = create(hi, lo, streamId, resource, now);
    }
    touch(st, now);
    if (st.firstChunkLabels == null && st.streamSpan == null && scLabels) {
      st.firstChunkLabels = s;
    }
    if (st.n >= cfg.maxChunksPerStream()) {
      st.dropped++;
      if (!cfg.keepChunks()) {
        metrics.dropped(Unit.SPAN, Reasons.TRUNCATED, 1);
        metrics.dropped(Unit.SPAN_EVENT, Reasons.TRUNCATED, events);
      }
    } else {
      if (scCumulative > st.maxCumulative) {
        st.maxCumulative = scCumulative;
      }
      grow(st, st.add(StreamState.KIND_SPAN, s.getEndTimeUnixNano(), s.getStartTimeUnixNano(), spanId, scDelta));
      if (!cfg.keepChunks()) {
        st.spanUnits++;
        st.eventUnits += events;
        bufSpans++;
        bufEvents += events;
      }
    }
    enforceMemory(st, now);
    if (cfg.keepChunks()) {
      accPassedSpans++;
      accPassedEvents += events;
      return s;
    }
    return null;
  }

  private void attachStreamSpan(
      StreamState st, Span s, Resource resource, InstrumentationScope scope, int chunkEvents, boolean immediate, long now) {
    touch(st, now);
    st.streamSpan = s;
    st.streamResource = resource;
    st.streamScope = scope;
    st.firstChunkLabels = null;
    st.streamSpanBytes = heldSpanBytes(s);
    bytes += st.streamSpanBytes;
    int events = s.getEventsCount();
    for (int i = 0; i < events; i++) {
      Span.Event e = s.getEvents(i);
      if (chunkEvents > 0 && rec.isChunkEvent(e)) {
        accChunkEvents++;
        long target = streamIdOverride(e.getAttributesList());
        StreamState dest = st;
        if (target != 0 && target != st.key.streamId) {
          dest = open.get(st.key.traceHi, st.key.traceLo, target);
          if (dest == null) {
            dest = create(st.key.traceHi, st.key.traceLo, target, resource, now);
          }
        }
        if (dest.n >= cfg.maxChunksPerStream()) {
          dest.dropped++;
          continue;
        }
        tokens(dest, e.getAttributesList());
        grow(dest, dest.add(StreamState.KIND_EVENT, e.getTimeUnixNano(), 0, ++sequence, delta(e.getAttributesList())));
      } else if (rec.isMarkerEvent(e)) {
        long t = e.getTimeUnixNano();
        if (st.markerTime < 0 || t < st.markerTime) {
          st.markerTime = t;
        }
      }
    }
    if (chunkEvents > 0 && s.getDroppedEventsCount() > 0) {
      st.dropped += s.getDroppedEventsCount();
    }
    // the span and all its events are held until the stream closes
    st.spanUnits++;
    st.eventUnits += events;
    bufSpans++;
    bufEvents += events;
    if (immediate || cfg.graceNanos() == 0) {
      close(st, EndReason.STREAM_END, now);
      return;
    }
    st.graceDeadline = now + cfg.graceNanos();
    grace.append(st);
    enforceMemory(st, now);
  }

  /**
   * Estimated heap of a held span: a fixed cost per attribute and event instead of
   * getSerializedSize(), which walks every string (it was the window thread's top cost).
   */
  static int heldSpanBytes(Span s) {
    int n = 400 + 96 * s.getAttributesCount() + 48 * s.getLinksCount() + s.getName().length();
    for (int i = 0, e = s.getEventsCount(); i < e; i++) {
      n += 96 + 96 * s.getEvents(i).getAttributesCount();
    }
    return n;
  }

  // ---------------------------------------------------------------- logs

  void onLogs(ExportLogsServiceRequest req) {
    long now = clock.nanos();
    List<ResourceLogs> passOut = new ArrayList<>(req.getResourceLogsCount());
    int passCount = 0;
    for (ResourceLogs rl : req.getResourceLogsList()) {
      List<ScopeLogs> scopes = null;
      boolean changed = false;
      List<ScopeLogs> inScopes = rl.getScopeLogsList();
      for (int si = 0; si < inScopes.size(); si++) {
        ScopeLogs sl = inScopes.get(si);
        List<LogRecord> records = sl.getLogRecordsList();
        List<LogRecord> kept = null;
        for (int i = 0; i < records.size(); i++) {
          LogRecord r = records.get(i);
          LogRecord res = mine(r.getTraceId()) ? onLog(r, rl.getResource(), now) : null;
          if (res != r && kept == null) {
            kept = new ArrayList<>(records.subList(0, i));
          }
          if (res != null) {
            passCount++;
            if (kept != null) {
              kept.add(res);
            }
          }
        }
        if (kept != null) {
          if (!changed) {
            changed = true;
            scopes = new ArrayList<>(inScopes.subList(0, si));
          }
          if (!kept.isEmpty()) {
            scopes.add(sl.toBuilder().clearLogRecords().addAllLogRecords(kept).build());
          }
        } else if (changed) {
          scopes.add(sl);
        }
      }
      if (!changed) {
        if (!inScopes.isEmpty()) {
          passOut.add(rl);
        }
      } else if (!scopes.isEmpty()) {
        passOut.add(rl.toBuilder().clearScopeLogs().addAllScopeLogs(scopes).build());
      }
    }
    if (passCount > 0) {
      out.offerLogs(passOut, passCount);
    }
    flushEmitted();
    publish();
  }

  private LogRecord onLog(LogRecord r, Resource resource, long now) {
    String eventName = Recognizer.logEventName(r);
    if (r.getTraceId().size() == 16 && rec.isChunkLog(r, eventName)) {
      long streamId = streamIdOverride(r.getAttributesList());
      if (streamId == 0) {
        streamId = Ids.spanId(r.getSpanId());
      }
      if (streamId != 0) {
        long hi = Ids.traceHi(r.getTraceId());
        long lo = Ids.traceLo(r.getTraceId());
        accChunkLogs++;
        probe.set(hi, lo, streamId);
        StreamState st = open.get(hi, lo, streamId);
        if (st == null && recent.containsKey(probe)) {
          metrics.lateChunks(1);
          if (cfg.dropLate()) {
            metrics.dropped(Unit.LOG_RECORD, Reasons.LATE_CHUNK, 1);
            return null;
          }
          accPassedLogs++;
          return r.toBuilder().addAttributes(Attributes.of("llm_stream.late", true)).build();
        }
        if (st == null) {
          st = create(hi, lo, streamId, resource, now);
        }
        touch(st, now);
        long time = r.getTimeUnixNano() != 0 ? r.getTimeUnixNano() : r.getObservedTimeUnixNano();
        if (st.n >= cfg.maxChunksPerStream()) {
          st.dropped++;
          if (!cfg.keepChunks()) {
            metrics.dropped(Unit.LOG_RECORD, Reasons.TRUNCATED, 1);
          }
        } else {
          List<KeyValue> attrs = r.getAttributesList();
          tokens(st, attrs);
          grow(st, st.add(StreamState.KIND_LOG, time, 0, eventName.hashCode() * 0x9E3779B97F4A7C15L + 0x5bd1e995L, delta(attrs)));
          if (!cfg.keepChunks()) {
            st.logUnits++;
            bufLogs++;
          }
        }
        enforceMemory(st, now);
        if (cfg.keepChunks()) {
          accPassedLogs++;
          return r;
        }
        return null;
      }
    }
    accPassedLogs++;
    return r;
  }

  // ---------------------------------------------------------------- state

  /** The last stream a chunk went to: chunks of one stream usually arrive together. */
  private StreamState lastStream;

  /** Open stream for a key, trying the last one first. */
  private StreamState lookup(long hi, long lo, long streamId) {
    StreamState last = lastStream;
    if (last != null && last.key.streamId == streamId && last.key.traceLo == lo && last.key.traceHi == hi) {
      return last;
    }
    StreamState st = open.get(hi, lo, streamId);
    if (st != null) {
      lastStream = st;
    }
    return st;
  }

  private StreamState create(long hi, long lo, long streamId, Resource resource, long now) {
    while (open.size() >= cfg.maxOpenStreams() && lru.head() != null) {
      close(lru.head(), EndReason.EVICTED, now);
    }
    StreamKey key = new StreamKey(hi, lo, streamId);
    StreamState st = new StreamState(key, now);
    st.firstResource = resource;
    open.put(st);
    StreamState headOfTrace = byTrace.put(lo, st);
    st.traceNext = headOfTrace;
    lru.append(st);
    age.append(st);
    bytes += st.bytes();
    return st;
  }

  private void touch(StreamState st, long now) {
    st.lastArrival = now;
    lru.moveToTail(st);
  }

  private void grow(StreamState st, long grownBytes) {
    bytes += grownBytes;
  }

  /** Evicts least recently active streams (other than {@code current}) while over budget. */
  private void enforceMemory(StreamState current, long now) {
    while (bytes > cfg.memoryBudgetBytes()) {
      StreamState victim = lru.head();
      if (victim == current) {
        victim = victim.next[0];
      }
      if (victim == null) {
        return;
      }
      close(victim, EndReason.EVICTED, now);
    }
  }

  // one pass over a span's attributes (the chunk path reads four keys; one scan, not four)
  private boolean scIsChunk;
  private long scStreamId;
  private int scDelta;
  private long scCumulative;
  private boolean scLabels;

  private void scan(List<KeyValue> attrs) {
    scIsChunk = false;
    scStreamId = 0;
    scDelta = -1;
    scCumulative = -1;
    scLabels = false;
    for (int i = 0, n = attrs.size(); i < n; i++) {
      KeyValue kv = attrs.get(i);
      switch (kv.getKey()) {
        case Recognizer.IS_CHUNK -> scIsChunk = Attributes.isTrue(kv.getValue());
        case Recognizer.STREAM_ID -> scStreamId = Ids.parseStreamId(Attributes.string(kv.getValue()));
        case "llm_stream.chunk.tokens" -> scDelta = clampDelta(Attributes.count(kv.getValue()));
        case "gen_ai.usage.output_tokens" -> scCumulative = Attributes.count(kv.getValue());
        case "gen_ai.request.model", "gen_ai.provider.name", "gen_ai.system", "gen_ai.operation.name" -> scLabels = true;
        default -> { }
      }
    }
  }

  private static int clampDelta(long d) {
    return d > Integer.MAX_VALUE ? Integer.MAX_VALUE : (int) d;
  }

  private static long streamIdOverride(List<KeyValue> attrs) {
    AnyValue v = Attributes.find(attrs, Recognizer.STREAM_ID);
    return v == null ? 0 : Ids.parseStreamId(Attributes.string(v));
  }

  private static int delta(List<KeyValue> attrs) {
    long d = Attributes.count(attrs, "llm_stream.chunk.tokens");
    return d > Integer.MAX_VALUE ? Integer.MAX_VALUE : (int) d;
  }

  private static void tokens(StreamState st, List<KeyValue> attrs) {
    long cum = Attributes.count(attrs, "gen_ai.usage.output_tokens");
    if (cum > st.maxCumulative) {
      st.maxCumulative = cum;
    }
  }

  // ---------------------------------------------------------------- deadlines

  /** Closes streams whose grace, idle timeout or max age has passed; expires recently-closed keys. */
  void tick() {
    long now = clock.nanos();
    StreamState s;
    while ((s = grace.head()) != null && s.graceDeadline <= now) {
      close(s, EndReason.STREAM_END, now);
    }
    while ((s = lru.head()) != null && now - s.lastArrival >= cfg.idleNanos()) {
      close(s, EndReason.IDLE_TIMEOUT, now);
    }
    while ((s = age.head()) != null && now - s.createdAt >= cfg.maxAgeNanos()) {
      close(s, EndReason.MAX_AGE, now);
    }
    Iterator<Closed> it = recent.values().iterator();
    while (it.hasNext()) {
      Closed c = it.next();
      if (now - c.closedAt < cfg.recentTtlNanos()) {
        break;
      }
      it.remove();
    }
    flushEmitted();
    publish();
  }

  /**
   * Memory limiter (limiter.MemoryLimiter) over its hard limit: forgets {@code fraction} of the
   * recently-closed keys (oldest first) and closes {@code fraction} of the open streams (least
   * recently active first, as evicted). Returns {keys forgotten, streams closed}.
   */
  long[] shed(double fraction) {
    long now = clock.nanos();
    long keys = (long) Math.ceil(recent.size() * fraction);
    Iterator<Closed> it = recent.values().iterator();
    for (long i = 0; i < keys && it.hasNext(); i++) {
      it.next();
      it.remove();
    }
    long streams = (long) Math.ceil(open.size() * fraction);
    long closed = 0;
    for (StreamState s; closed < streams && (s = lru.head()) != null; closed++) {
      close(s, EndReason.EVICTED, now);
    }
    flushEmitted();
    publish();
    return new long[] {keys, closed};
  }

  /** Nanoseconds until the next deadline (grace, idle, max age), capped by the tick. */
  long nanosToNextDeadline() {
    long now = clock.nanos();
    long wait = cfg.tickNanos();
    StreamState g = grace.head();
    if (g != null) {
      wait = Math.min(wait, g.graceDeadline - now);
    }
    return Math.max(0, wait);
  }

  /** Shutdown: streams whose stream span arrived close as stream_end, the rest as shutdown. */
  void closeAll() {
    long now = clock.nanos();
    StreamState s;
    while ((s = age.head()) != null) {
      close(s, s.streamSpan != null ? EndReason.STREAM_END : EndReason.SHUTDOWN, now);
    }
    flushEmitted();
    publish();
  }

  private void close(StreamState st, EndReason reason, long now) {
    if (lastStream == st) {
      lastStream = null;
    }
    open.remove(st.key.traceHi, st.key.traceLo, st.key.streamId);
    lru.remove(st);
    age.remove(st);
    grace.remove(st);
    unlinkTrace(st);
    bytes -= st.bytes();
    bufSpans -= st.spanUnits;
    bufEvents -= st.eventUnits;
    bufLogs -= st.logUnits;

    StreamFacts facts = facts(st, reason);
    boolean hasChunks = facts.spanCount() + facts.otherCount() > 0 || st.dropped > 0;
    if (st.streamSpan != null && !hasChunks && facts.markerTime() < 0 && !facts.summary().present()) {
      // a held candidate that got nothing: it passes through unchanged
      metrics.passed(Unit.SPAN, st.spanUnits);
      metrics.passed(Unit.SPAN_EVENT, st.eventUnits);
      emit(st.streamResource, st.streamScope, st.streamSpan);
      remember(st, reason, null, true, now);
      return;
    }
    int dupSpans = st.spanUnits - (st.streamSpan != null ? 1 : 0) - factsChunkSpans;
    int dupLogs = st.logUnits - factsLogs;
    if (dupSpans > 0) {
      metrics.duplicateChunks(dupSpans);
      metrics.dropped(Unit.SPAN, Reasons.DUPLICATE_CHUNK, dupSpans);
    }
    if (dupLogs > 0) {
      metrics.duplicateChunks(dupLogs);
      metrics.dropped(Unit.LOG_RECORD, Reasons.DUPLICATE_CHUNK, dupLogs);
    }
    metrics.condensed(Unit.SPAN, st.spanUnits - Math.max(0, dupSpans));
    metrics.condensed(Unit.SPAN_EVENT, st.eventUnits);
    metrics.condensed(Unit.LOG_RECORD, st.logUnits - Math.max(0, dupLogs));

    Derivations.Result r = Derivations.derive(facts);
    DerivedStream d = r.stream();
    ByteString traceId = traceIdBytes(st.key);
    String spanIdHex;
    if (st.streamSpan != null) {
      Span span = Condenser.condensed(st.streamSpan, d, false, rec);
      emit(st.streamResource, st.streamScope, span);
      spanIdHex = Ids.hex(st.key.streamId);
      listener.onStreamClosed(
          new ClosedStream(d, Condenser.labels(st.streamResource, st.streamSpan, true), Ids.hex(traceId), spanIdHex, r.intervalsMs()));
      remember(st, reason, null, true, now);
    } else {
      long newId;
      do {
        newId = random.nextLong();
      } while (newId == 0);
      long first = Long.MAX_VALUE;
      long last = Long.MIN_VALUE;
      for (int i = 0; i < st.n; i++) {
        first = Math.min(first, st.times[i]);
        last = Math.max(last, st.times[i]);
      }
      if (st.n == 0) {
        first = 0;
        last = 0;
      }
      Span span = Condenser.synthetic(traceId, st.key.streamId, newId, first, last, d);
      emit(st.firstResource, Condenser.SCOPE, span);
      metrics.generated(1);
      listener.onStreamClosed(
          new ClosedStream(d, Condenser.labels(st.firstResource, st.firstChunkLabels, false), Ids.hex(traceId), Ids.hex(newId), r.intervalsMs()));
      remember(st, reason, d, false, now);
    }
  }

  private void remember(StreamState st, EndReason reason, DerivedStream d, boolean streamSpanDone, long now) {
    if (cfg.recentMaxKeys() == 0) {
      return;
    }
    recent.put(st.key, new Closed(now, reason, d, streamSpanDone));
    while (recent.size() > cfg.recentMaxKeys()) {
      Iterator<StreamKey> it = recent.keySet().iterator();
      it.next();
      it.remove();
    }
  }

  private void unlinkTrace(StreamState st) {
    Long lo = st.key.traceLo;
    StreamState h = byTrace.get(lo);
    if (h == st) {
      if (st.traceNext == null) {
        byTrace.remove(lo);
      } else {
        byTrace.put(lo, st.traceNext);
      }
    } else {
      for (StreamState p = h; p != null; p = p.traceNext) {
        if (p.traceNext == st) {
          p.traceNext = st.traceNext;
          break;
        }
      }
    }
    st.traceNext = null;
  }

  // facts built by facts(): kept chunk counts per unit, for duplicate accounting
  private int factsChunkSpans;
  private int factsLogs;

  /** De-duplicates the stream's chunks and builds its facts. */
  private StreamFacts facts(StreamState st, EndReason reason) {
    int n = st.n;
    boolean[] dup = duplicates(st);
    int spanCount = 0;
    int otherCount = 0;
    int logs = 0;
    long[] sStarts = new long[n];
    long[] sEnds = new long[n];
    long[] other = new long[n];
    long deltaSum = -1;
    for (int i = 0; i < n; i++) {
      if (dup != null && dup[i]) {
        continue;
      }
      if (st.kinds[i] == SHAPE_SPANS) {
        sStarts[spanCount] = st.starts[i];
        sEnds[spanCount++] = st.times[i];
      } else {
        other[otherCount++] = st.times[i];
        if (st.kinds[i] == StreamState.KIND_LOG) {
          logs++;
        }
      }
      if (st.deltas != null && st.deltas[i] >= 0) {
        deltaSum = Math.max(0, deltaSum) + st.deltas[i];
      }
    }
    factsChunkSpans = spanCount;
    factsLogs = logs;
    Span ss = st.streamSpan;
    Summary summary = ss == null ? Summary.NONE : Summary.of(ss);
    InputShape shape;
    switch (st.firstKind) {
      case StreamState.KIND_SPAN -> shape = InputShape.CHUNK_SPANS;
      case StreamState.KIND_EVENT -> shape = InputShape.CHUNK_EVENTS;
      case StreamState.KIND_LOG -> shape = InputShape.CHUNK_LOGS;
      default -> shape = InputShape.SUMMARY;
    }
    return new StreamFacts(
        sStarts,
        sEnds,
        spanCount,
        other,
        otherCount,
        st.dropped,
        st.markerTime,
        ss != null,
        ss == null ? 0 : ss.getStartTimeUnixNano(),
        ss == null ? 0 : ss.getEndTimeUnixNano(),
        summary,
        deltaSum,
        st.maxCumulative,
        shape,
        reason);
  }

  /**
   * Marks duplicates: shape A by chunk span id, shape C by (event name, time); shape B ids are
   * unique. Returns null when there are none (the common case, found with one sort).
   */
  private static boolean[] duplicates(StreamState st) {
    int n = st.n;
    if (n < 2) {
      return null;
    }
    long[] h = new long[n];
    for (int i = 0; i < n; i++) {
      h[i] = dedupeHash(st, i);
    }
    long[] sorted = h.clone();
    Arrays.sort(sorted);
    boolean any = false;
    for (int i = 1; i < n; i++) {
      if (sorted[i] == sorted[i - 1]) {
        any = true;
        break;
      }
    }
    if (!any) {
      return null;
    }
    boolean[] dup = new boolean[n];
    HashSet<Long> seen = new HashSet<>(n * 2);
    for (int i = 0; i < n; i++) {
      if (!seen.add(h[i])) {
        dup[i] = true;
      }
    }
    return dup;
  }

  private static long dedupeHash(StreamState st, int i) {
    return switch (st.kinds[i]) {
      case StreamState.KIND_SPAN -> st.ids[i];
      case StreamState.KIND_LOG -> Ids.mix(st.ids[i] ^ Ids.mix(st.times[i]));
      default -> Ids.mix(st.ids[i] * 31 + 7);
    };
  }

  private static ByteString traceIdBytes(StreamKey k) {
    byte[] b = new byte[16];
    long hi = k.traceHi;
    long lo = k.traceLo;
    for (int i = 7; i >= 0; i--) {
      b[i] = (byte) hi;
      hi >>>= 8;
      b[i + 8] = (byte) lo;
      lo >>>= 8;
    }
    return ByteString.copyFrom(b);
  }

  // ---------------------------------------------------------------- output

  private void emit(Resource resource, InstrumentationScope scope, Span span) {
    ResourceSpans.Builder rs = ResourceSpans.newBuilder();
    if (resource != null) {
      rs.setResource(resource);
    }
    rs.addScopeSpans(ScopeSpans.newBuilder().setScope(scope == null ? InstrumentationScope.getDefaultInstance() : scope).addSpans(span));
    emitted.add(rs.build());
    emittedCount++;
  }

  // per-item counts, added up on the shard thread and flushed once per request
  private long accChunkSpans;
  private long accChunkEvents;
  private long accChunkLogs;
  private long accPassedSpans;
  private long accPassedEvents;
  private long accPassedLogs;

  private void flushCounts() {
    if (accChunkSpans > 0) {
      metrics.chunks(InputShape.CHUNK_SPANS.label(), accChunkSpans);
    }
    if (accChunkEvents > 0) {
      metrics.chunks(InputShape.CHUNK_EVENTS.label(), accChunkEvents);
    }
    if (accChunkLogs > 0) {
      metrics.chunks(InputShape.CHUNK_LOGS.label(), accChunkLogs);
    }
    metrics.passed(Unit.SPAN, accPassedSpans);
    metrics.passed(Unit.SPAN_EVENT, accPassedEvents);
    metrics.passed(Unit.LOG_RECORD, accPassedLogs);
    accChunkSpans = accChunkEvents = accChunkLogs = accPassedSpans = accPassedEvents = accPassedLogs = 0;
  }

  private void flushEmitted() {
    flushCounts();
    if (emittedCount > 0) {
      out.offerSpans(new ArrayList<>(emitted), emittedCount);
      emitted.clear();
      emittedCount = 0;
    }
  }

  /** Publishes counters for gauges read on other threads. */
  private void publish() {
    snapshot = new long[] {open.size(), bytes, bufSpans, bufEvents, bufLogs};
  }

  int openStreams() {
    return (int) snapshot[0];
  }

  long memoryBytes() {
    return snapshot[1];
  }

  long buffered(Unit unit) {
    long[] s = snapshot;
    return switch (unit) {
      case SPAN -> s[2];
      case SPAN_EVENT -> s[3];
      case LOG_RECORD -> s[4];
      default -> 0;
    };
  }

  /** For tests: number of recently closed keys remembered. */
  int recentlyClosed() {
    return recent.size();
  }
}
