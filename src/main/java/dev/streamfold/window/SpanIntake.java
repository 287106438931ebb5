package dev.streamfold.window;

import dev.streamfold.derive.EndReason;
import dev.streamfold.derive.InputShape;
import dev.streamfold.derive.Summary;
import dev.streamfold.otlp.Attributes;
import dev.streamfold.otlp.OtlpSignal;
import dev.streamfold.otlp.Regroup;
import dev.streamfold.pipeline.Unit;
import dev.streamfold.telemetry.Reasons;
import dev.streamfold.telemetry.WindowMetrics;
import io.opentelemetry.proto.common.v1.InstrumentationScope;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.Span;
import java.util.List;

/**
 * What each span of a shard's traces becomes (SPEC 1.3, 3): a chunk span (shape A) is consumed
 * into its stream or passed as late; a stream span is held with its chunk events (shape B) and
 * first-chunk markers; a child of a consumed chunk span is re-parented to the stream span, or
 * held until its parent shows ({@link HeldSpans}); everything else passes unchanged. Runs on the
 * shard's thread with the shard's state; no locks.
 */
final class SpanIntake {
  /** How a late chunk's pass is explained to the observer (spans and log records alike). */
  static final String LATE = "late chunk: its stream already closed; llm_stream.late=true";

  private final int shard;
  private final WindowSettings cfg;
  private final Recognizer rec;
  private final WindowMetrics metrics;
  private final StreamStore store;
  private final ShardCounters counters;
  private final ShardOutput output;
  private final HeldSpans held;
  private final Lifecycle lifecycle;
  private final WindowObserver observer;
  /** Shape B chunk sequence numbers (their ids, for de-duplication, are unique). */
  private long sequence;

  /** Outcome of the chunk spans of one request, by position in the request (null when it has none). */
  private record ChunkPass(boolean[] isChunk, Span[] out) {}

  SpanIntake(
      int shard,
      WindowSettings cfg,
      Recognizer rec,
      WindowMetrics metrics,
      StreamStore store,
      ShardCounters counters,
      ShardOutput output,
      HeldSpans held,
      Lifecycle lifecycle,
      WindowObserver observer) {
    this.shard = shard;
    this.cfg = cfg;
    this.rec = rec;
    this.metrics = metrics;
    this.store = store;
    this.counters = counters;
    this.output = output;
    this.held = held;
    this.lifecycle = lifecycle;
    this.observer = observer;
  }

  /**
   * Takes in the spans of one request; returns what passes through, grouping kept. Two passes:
   * chunk spans first, so a child sent before its chunk span in the same request finds the
   * chunk's stream open; their outcome (consumed, or passed annotated) is kept by position. Of a
   * view ({@link ShardRouter.Part#owners}) only the spans this shard owns are taken in; the others
   * are not looked at and are not in the result.
   *
   * @param owners null when every span is this shard's
   */
  Regroup.Result<ResourceSpans> take(List<ResourceSpans> groups, int[] owners, long now) {
    ChunkPass chunks = chunkPass(groups, owners, now);
    RequestIds ids = new RequestIds(groups, owners, shard);
    int[] position = {0};
    return Regroup.map(OtlpSignal.TRACES, groups, (rs, ss, span) -> {
      int i = position[0]++;
      if (owners != null && owners[i] != shard) {
        return null;
      }
      return chunks != null && chunks.isChunk[i] ? chunks.out[i] : onSpan(span, rs.getResource(), ss.getScope(), ids, now);
    });
  }

  private ChunkPass chunkPass(List<ResourceSpans> groups, int[] owners, long now) {
    ChunkPass pass = null;
    int i = 0;
    int total = -1;
    for (ResourceSpans rs : groups) {
      for (var ss : rs.getScopeSpansList()) {
        for (Span s : ss.getSpansList()) {
          if (owners != null && owners[i] != shard) {
            i++;
            continue;
          }
          ChunkScan scan = ChunkScan.of(s.getAttributesList());
          byte kind = rec.chunkSpanKind(s, scan.isChunk());
          long streamId = kind < 0 ? 0 : scan.streamId() != 0 ? scan.streamId() : Ids.spanId(s.getParentSpanId());
          if (streamId != 0) {
            if (pass == null) {
              total = countSpans(groups);
              pass = new ChunkPass(new boolean[total], new Span[total]);
            }
            pass.isChunk[i] = true;
            pass.out[i] = onChunkSpan(s, rs.getResource(), scan, kind, streamId, now);
          }
          i++;
        }
      }
    }
    return pass;
  }

  private static int countSpans(List<ResourceSpans> groups) {
    int n = 0;
    for (ResourceSpans rs : groups) {
      for (var ss : rs.getScopeSpansList()) {
        n += ss.getSpansCount();
      }
    }
    return n;
  }

  /** Handles one span that is not a chunk span; returns the span to pass through (possibly modified) or null. */
  private Span onSpan(Span s, Resource resource, InstrumentationScope scope, RequestIds ids, long now) {
    long hi = Ids.traceHi(s.getTraceId());
    long lo = Ids.traceLo(s.getTraceId());
    int events = s.getEventsCount();
    long spanId = Ids.spanId(s.getSpanId());
    // whatever this span becomes, it will be in the output: children waiting for it can go
    held.arrived(hi, lo, spanId, 0);

    // span events that are chunks (shape B)
    int chunkEvents = 0;
    for (int i = 0; i < events; i++) {
      if (rec.isChunkEvent(s.getEvents(i))) {
        chunkEvents++;
      }
    }

    StreamState st = store.get(hi, lo, spanId);
    if (st != null) {
      if (st.streamSpan != null) {
        metrics.dropped(Unit.SPAN, Reasons.DUPLICATE_STREAM_SPAN, 1);
        metrics.dropped(Unit.SPAN_EVENT, Reasons.DUPLICATE_STREAM_SPAN, events);
        observer.dropped(s, Reasons.DUPLICATE_STREAM_SPAN);
        return null;
      }
      attachStreamSpan(st, s, resource, scope, chunkEvents, false, now);
      return null;
    }
    StreamStore.Closed closed = store.recent(hi, lo, spanId);
    if (closed != null) {
      if (closed.streamSpanDone) {
        metrics.dropped(Unit.SPAN, Reasons.DUPLICATE_STREAM_SPAN, 1);
        metrics.dropped(Unit.SPAN_EVENT, Reasons.DUPLICATE_STREAM_SPAN, events);
        observer.dropped(s, Reasons.DUPLICATE_STREAM_SPAN);
      } else {
        observer.passed(s, "late stream span: emitted with its closed stream's figures, llm_stream.late=true");
        closed.streamSpanDone = true;
        output.emit(resource, scope, Condenser.condensed(s, closed.derived, true, rec));
        metrics.condensed(Unit.SPAN, 1);
        metrics.condensed(Unit.SPAN_EVENT, events);
      }
      return null;
    }
    Summary summary = Recognizer.mayCarrySummary(s) ? Summary.of(s) : Summary.NONE;
    boolean announces = rec.announcesStream(s, summary);
    if (chunkEvents > 0 || announces || rec.isClientSpan(s)) {
      lifecycle.makeRoom(now);
      StreamState created = store.create(hi, lo, spanId, resource, now);
      // shape B without an announcement carries everything: no grace
      attachStreamSpan(created, s, resource, scope, chunkEvents, chunkEvents > 0 && !announces, now);
      return null;
    }

    long parent = Ids.spanId(s.getParentSpanId());
    if (!cfg.keepChunks() && store.hasOpenStream(hi, lo)) {
      if (parent != 0) {
        // a child of a consumed chunk span: to the stream span
        for (StreamState t = store.firstOfTrace(lo); t != null; t = t.traceNext) {
          if (t.key.traceHi == hi && t.hasChunkSpan(parent)) {
            metrics.reparented(true, 1);
            observer.reparented(s, hi, lo, t.key.streamId);
            counters.passedSpan(events);
            held.seen(hi, lo, spanId);
            return s.toBuilder().setParentSpanId(Ids.spanIdBytes(t.key.streamId)).build();
          }
        }
        // parent not seen yet: wait for it (or for the trace's streams to close)
        if (!knownParent(hi, lo, parent, ids) && held.hold(s, resource, scope, hi, lo, spanId, parent)) {
          lifecycle.enforceMemory(null, now);
          return null;
        }
      }
      held.seen(hi, lo, spanId);
    }
    counters.passedSpan(events);
    observer.passed(s, "");
    return s;
  }

  /** The parent is an open stream, was seen in this trace, or is in the same request. */
  private boolean knownParent(long hi, long lo, long parent, RequestIds ids) {
    return store.get(hi, lo, parent) != null || held.known(hi, lo, parent) || ids.contains(parent);
  }

  private Span onChunkSpan(Span s, Resource resource, ChunkScan scan, byte kind, long streamId, long now) {
    long hi = Ids.traceHi(s.getTraceId());
    long lo = Ids.traceLo(s.getTraceId());
    long spanId = Ids.spanId(s.getSpanId());
    int events = s.getEventsCount();
    counters.chunkSpan();
    StreamState st = store.lookup(hi, lo, streamId);
    if (st == null && store.recent(hi, lo, streamId) != null) {
      metrics.lateChunks(1);
      if (cfg.dropLate()) {
        metrics.dropped(Unit.SPAN, Reasons.LATE_CHUNK, 1);
        metrics.dropped(Unit.SPAN_EVENT, Reasons.LATE_CHUNK, events);
        observer.dropped(s, Reasons.LATE_CHUNK);
        return null;
      }
      counters.passedSpan(events);
      observer.passed(s, LATE);
      held.arrived(hi, lo, spanId, 0);
      return s.toBuilder().addAttributes(Attributes.of("llm_stream.late", true)).build();
    }
    if (st == null) {
      lifecycle.makeRoom(now);
      st = store.create(hi, lo, streamId, resource, now);
    }
    store.touch(st, now);
    if (st.firstChunkLabels == null && st.streamSpan == null && scan.labels()) {
      st.firstChunkLabels = s;
    }
    if (st.n >= cfg.maxChunksPerStream()) {
      st.dropped++;
      observer.dropped(s, Reasons.TRUNCATED);
      if (!cfg.keepChunks()) {
        metrics.dropped(Unit.SPAN, Reasons.TRUNCATED, 1);
        metrics.dropped(Unit.SPAN_EVENT, Reasons.TRUNCATED, events);
      }
    } else {
      if (observer != WindowObserver.NOOP) {
        observer.chunk(s, InputShape.CHUNK_SPANS, rec.chunkSpanRule(s), hi, lo, streamId, resource);
      }
      st.cumulative(scan.cumulative());
      store.addBytes(st.add(kind, s.getEndTimeUnixNano(), s.getStartTimeUnixNano(), spanId, scan.delta(),
          rec.chunkSpanIndex(s, scan.index())));
      if (!cfg.keepChunks()) {
        st.spanUnits++;
        st.eventUnits += events;
        counters.buffer(Unit.SPAN, 1);
        counters.buffer(Unit.SPAN_EVENT, events);
      }
    }
    if (cfg.keepChunks()) {
      held.arrived(hi, lo, spanId, 0);
      lifecycle.enforceMemory(st, now);
      counters.passedSpan(events);
      return s;
    }
    // children sent before this chunk span go to the stream span
    held.arrived(hi, lo, spanId, streamId);
    lifecycle.enforceMemory(st, now);
    return null;
  }

  private void attachStreamSpan(
      StreamState st, Span s, Resource resource, InstrumentationScope scope, int chunkEvents, boolean immediate, long now) {
    store.touch(st, now);
    observer.streamSpan(s, chunkEvents == 0 && st.n == 0, st.key.traceHi, st.key.traceLo, st.key.streamId, resource);
    st.streamSpan = s;
    st.streamResource = resource;
    st.streamScope = scope;
    st.firstChunkLabels = null;
    st.streamSpanBytes = HeldSpans.bytes(s);
    store.addBytes(st.streamSpanBytes);
    int events = s.getEventsCount();
    for (int i = 0; i < events; i++) {
      Span.Event e = s.getEvents(i);
      String rule = chunkEvents > 0 ? rec.chunkEventRule(e) : null;
      if (rule != null) {
        counters.chunkEvent();
        addChunkEvent(st, e, resource, now, rule);
      } else if ((rule = rec.markerRule(e)) != null) {
        observer.marker(e, rule, st.key.traceHi, st.key.traceLo, st.key.streamId);
        long t = e.getTimeUnixNano();
        if (st.markerTime < 0 || t < st.markerTime) {
          st.markerTime = t;
        }
      }
    }
    long stated = rec.firstChunkAttributeTime(s);
    if (stated >= 0 && (st.markerTime < 0 || stated < st.markerTime)) {
      st.markerTime = stated;
    }
    if (chunkEvents > 0 && s.getDroppedEventsCount() > 0) {
      st.dropped += s.getDroppedEventsCount();
    }
    // the span and all its events are held until the stream closes
    st.spanUnits++;
    st.eventUnits += events;
    counters.buffer(Unit.SPAN, 1);
    counters.buffer(Unit.SPAN_EVENT, events);
    if (immediate) {
      lifecycle.close(st, EndReason.STREAM_END, now);
    } else {
      lifecycle.startGrace(st, now);
    }
  }

  /** A shape B chunk: to its span's stream, or to the stream its override names. */
  private void addChunkEvent(StreamState st, Span.Event e, Resource resource, long now, String rule) {
    long target = ChunkScan.streamIdOf(e.getAttributesList());
    StreamState dest = st;
    if (target != 0 && target != st.key.streamId) {
      dest = store.get(st.key.traceHi, st.key.traceLo, target);
      if (dest == null) {
        lifecycle.makeRoom(now);
        dest = store.create(st.key.traceHi, st.key.traceLo, target, resource, now);
      }
    }
    if (dest.n >= cfg.maxChunksPerStream()) {
      dest.dropped++;
      observer.dropped(e, Reasons.TRUNCATED);
      return;
    }
    observer.chunk(e, InputShape.CHUNK_EVENTS, rule, dest.key.traceHi, dest.key.traceLo, dest.key.streamId, resource);
    dest.cumulative(ChunkScan.cumulativeOf(e.getAttributesList()));
    store.addBytes(dest.add(StreamState.KIND_EVENT, e.getTimeUnixNano(), 0, ++sequence, ChunkScan.delta(e.getAttributesList()),
        rec.chunkEventIndex(e)));
  }
}
