package dev.streamfold.window;

import dev.streamfold.pipeline.Unit;
import dev.streamfold.telemetry.WindowMetrics;
import io.opentelemetry.proto.common.v1.InstrumentationScope;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.Span;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.HashSet;

/**
 * Re-parenting in every arrival order (SPEC 3): a child ends before its parent, so SDKs send it
 * first. A span whose parent is unknown, in a trace with an open stream, is held here until its
 * parent arrives (then re-parented to the stream span when that parent was a consumed chunk
 * span, else released unchanged) or until the trace's last stream closes (released unchanged).
 * Also remembers which span ids a trace with an open stream has shown, so a known parent is not
 * waited for. Bounds: {@code max_held_spans} per shard (past it the oldest is released unchecked,
 * counted {@code reparented ok=false}); held spans and remembered ids count in the memory budget;
 * a trace remembers at most {@link #MAX_SEEN_PER_TRACE} ids. Held units are buffered. Owned by one
 * shard thread.
 */
final class HeldSpans {
  static final int MAX_SEEN_PER_TRACE = 4096;
  /** Estimated heap of one remembered id (boxed key in a hash set). */
  private static final int SEEN_BYTES = 48;

  private final long maxHeld;
  private final StreamStore store;
  private final ShardCounters counters;
  private final ShardOutput output;
  private final WindowMetrics metrics;
  private final WindowObserver observer;
  /** Traces with an open stream that held a span or showed an id, by the trace id's low half. */
  private final HashMap<Long, Trace> traces = new HashMap<>();
  private Held oldest;
  private Held newest;
  private long count;

  private static final class Trace {
    final long hi;
    final long lo;
    Trace next;
    final HashSet<Long> seen = new HashSet<>();
    /** Held spans by the parent span id they wait for, chained by {@link Held#sameParent}. */
    final HashMap<Long, Held> waiting = new HashMap<>();

    Trace(long hi, long lo) {
      this.hi = hi;
      this.lo = lo;
    }
  }

  private static final class Held {
    final Span span;
    final Resource resource;
    final InstrumentationScope scope;
    final Trace trace;
    final long spanId;
    final long parent;
    final int bytes;
    Held older;
    Held newer;
    Held sameParent;

    Held(Span span, Resource resource, InstrumentationScope scope, Trace trace, long spanId, long parent, int bytes) {
      this.span = span;
      this.resource = resource;
      this.scope = scope;
      this.trace = trace;
      this.spanId = spanId;
      this.parent = parent;
      this.bytes = bytes;
    }
  }

  HeldSpans(long maxHeld, StreamStore store, ShardCounters counters, ShardOutput output, WindowMetrics metrics) {
    this(maxHeld, store, counters, output, metrics, WindowObserver.NOOP);
  }

  HeldSpans(
      long maxHeld, StreamStore store, ShardCounters counters, ShardOutput output, WindowMetrics metrics, WindowObserver observer) {
    this.observer = observer;
    this.maxHeld = maxHeld;
    this.store = store;
    this.counters = counters;
    this.output = output;
    this.metrics = metrics;
  }

  long size() {
    return count;
  }

  /** Records that a span id of a trace with an open stream has been seen (it will be in the output). */
  void seen(long hi, long lo, long spanId) {
    Trace t = trace(hi, lo, true);
    if (t.seen.size() < MAX_SEEN_PER_TRACE && t.seen.add(spanId)) {
      store.addBytes(SEEN_BYTES);
    }
  }

  /**
   * Estimated heap of a held span: a fixed cost per attribute and event instead of
   * getSerializedSize(), which walks every string (it was the window thread's top cost).
   */
  static int bytes(Span s) {
    int n = 400 + 96 * s.getAttributesCount() + 48 * s.getLinksCount() + s.getName().length();
    for (int i = 0, e = s.getEventsCount(); i < e; i++) {
      n += 96 + 96 * s.getEvents(i).getAttributesCount();
    }
    return n;
  }

  boolean known(long hi, long lo, long spanId) {
    Trace t = trace(hi, lo, false);
    return t != null && t.seen.contains(spanId);
  }

  /** Holds a span until its parent arrives; false (not held) when holding is off. */
  boolean hold(Span s, Resource resource, InstrumentationScope scope, long hi, long lo, long spanId, long parent) {
    if (maxHeld == 0) {
      return false;
    }
    while (count >= maxHeld && oldest != null) {
      Held h = oldest;
      unlinkWaiting(h);
      release(h, 0);
      metrics.reparented(false, 1);
    }
    Trace t = trace(hi, lo, true);
    Held h = new Held(s, resource, scope, t, spanId, parent, bytes(s));
    h.sameParent = t.waiting.put(parent, h);
    h.older = newest;
    if (newest == null) {
      oldest = h;
    } else {
      newest.newer = h;
    }
    newest = h;
    count++;
    store.addBytes(h.bytes);
    counters.buffer(Unit.SPAN, 1);
    counters.buffer(Unit.SPAN_EVENT, s.getEventsCount());
    seen(hi, lo, spanId);
    return true;
  }

  /**
   * A span with this id arrived: what waited for it is released, re-parented to
   * {@code reparentTo} when non-zero (the parent was a consumed chunk span), else unchanged; and
   * so, unchanged, are their own waiting children.
   */
  void arrived(long hi, long lo, long spanId, long reparentTo) {
    if (count == 0) {
      return;
    }
    Trace t = trace(hi, lo, false);
    if (t == null || t.waiting.isEmpty()) {
      return;
    }
    Held h = t.waiting.remove(spanId);
    if (h == null) {
      return;
    }
    ArrayDeque<Held> unchanged = new ArrayDeque<>();
    for (; h != null; h = h.sameParent) {
      release(h, reparentTo);
      if (reparentTo != 0) {
        metrics.reparented(true, 1);
      }
      Held children = t.waiting.remove(h.spanId);
      if (children != null) {
        unchanged.push(children);
      }
    }
    while (!unchanged.isEmpty()) {
      for (Held c = unchanged.pop(); c != null; c = c.sameParent) {
        release(c, 0);
        Held children = t.waiting.remove(c.spanId);
        if (children != null) {
          unchanged.push(children);
        }
      }
    }
  }

  /** The trace's last open stream closed: its held spans go out unchanged and it is forgotten. */
  void traceClosed(long hi, long lo) {
    Trace t = trace(hi, lo, false);
    if (t == null) {
      return;
    }
    for (Held chain : t.waiting.values()) {
      for (Held h = chain; h != null; h = h.sameParent) {
        release(h, 0);
      }
    }
    t.waiting.clear();
    store.addBytes(-(long) SEEN_BYTES * t.seen.size());
    removeTrace(t);
  }

  private void release(Held h, long reparentTo) {
    if (h.older == null) {
      oldest = h.newer;
    } else {
      h.older.newer = h.newer;
    }
    if (h.newer == null) {
      newest = h.older;
    } else {
      h.newer.older = h.older;
    }
    h.older = null;
    h.newer = null;
    count--;
    store.addBytes(-h.bytes);
    int events = h.span.getEventsCount();
    counters.buffer(Unit.SPAN, -1);
    counters.buffer(Unit.SPAN_EVENT, -events);
    counters.passedSpan(events);
    Span out = reparentTo == 0 ? h.span : h.span.toBuilder().setParentSpanId(Ids.spanIdBytes(reparentTo)).build();
    if (reparentTo != 0) {
      observer.reparented(h.span, Ids.traceHi(h.span.getTraceId()), Ids.traceLo(h.span.getTraceId()), reparentTo);
    } else {
      observer.passed(h.span, "held while its parent was unknown; the parent was not a chunk span");
    }
    output.emit(h.resource, h.scope, out);
  }

  /** Takes one held span out of its parent's waiting chain (eviction of the oldest). */
  private static void unlinkWaiting(Held h) {
    Trace t = h.trace;
    Held head = t.waiting.get(h.parent);
    if (head == h) {
      if (h.sameParent == null) {
        t.waiting.remove(h.parent);
      } else {
        t.waiting.put(h.parent, h.sameParent);
      }
      return;
    }
    for (Held p = head; p != null; p = p.sameParent) {
      if (p.sameParent == h) {
        p.sameParent = h.sameParent;
        return;
      }
    }
  }

  private Trace trace(long hi, long lo, boolean create) {
    Trace head = traces.get(lo);
    for (Trace t = head; t != null; t = t.next) {
      if (t.hi == hi) {
        return t;
      }
    }
    if (!create) {
      return null;
    }
    Trace t = new Trace(hi, lo);
    t.next = head;
    traces.put(lo, t);
    return t;
  }

  private void removeTrace(Trace t) {
    Trace head = traces.get(t.lo);
    if (head == t) {
      if (t.next == null) {
        traces.remove(t.lo);
      } else {
        traces.put(t.lo, t.next);
      }
      return;
    }
    for (Trace p = head; p != null; p = p.next) {
      if (p.next == t) {
        p.next = t.next;
        return;
      }
    }
  }
}
