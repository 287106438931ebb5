package dev.streamfold.explain;

import dev.streamfold.derive.DerivedStream;
import dev.streamfold.derive.EndReason;
import dev.streamfold.derive.InputShape;
import dev.streamfold.explain.Report.What;
import dev.streamfold.otlp.Attributes;
import dev.streamfold.window.WindowObserver;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.Span;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

/**
 * Records everything the window reports about one replay: per input item (by identity: the
 * window sees the very objects that were read) what it became, and per stream what arrived and
 * how it closed. Unbounded on purpose: it lives for one {@code explain} run over a file the user
 * chose. Thread-safe (synchronized); read after the window has synced.
 */
final class RecordingObserver implements WindowObserver {
  /** What the window said about one item. */
  record Seen(What what, StreamRef stream, String detail) {}

  /** What the window said about one stream. */
  static final class Stream {
    final StreamRef ref;
    String service = "";
    Span streamSpan;
    boolean candidate;
    InputShape shape;
    final Set<String> rules = new LinkedHashSet<>();
    int chunks;
    boolean closed;
    DerivedStream derived;
    EndReason reason;
    Span emitted;

    Stream(StreamRef ref) {
      this.ref = ref;
    }
  }

  private final IdentityHashMap<Object, Seen> items = new IdentityHashMap<>();
  private final Map<StreamRef, Stream> streams = new LinkedHashMap<>();

  synchronized Seen seen(Object item) {
    return items.get(item);
  }

  /** Streams in order of first appearance. */
  synchronized Iterable<Stream> streams() {
    return streams.values();
  }

  private Stream stream(long hi, long lo, long id, Resource resource) {
    Stream s = streams.computeIfAbsent(new StreamRef(hi, lo, id), Stream::new);
    if (s.service.isEmpty() && resource != null) {
      s.service = Attributes.string(resource.getAttributesList(), "service.name");
    }
    return s;
  }

  @Override
  public synchronized void chunk(Object item, InputShape shape, String rule, long traceHi, long traceLo, long streamId, Resource resource) {
    Stream s = stream(traceHi, traceLo, streamId, resource);
    s.chunks++;
    s.rules.add(rule);
    if (s.shape == null) {
      s.shape = shape;
    }
    items.put(item, new Seen(What.CHUNK, s.ref, rule));
  }

  @Override
  public synchronized void streamSpan(Span span, boolean candidate, long traceHi, long traceLo, long streamId, Resource resource) {
    Stream s = stream(traceHi, traceLo, streamId, resource);
    s.streamSpan = span;
    s.candidate = candidate;
    if (resource != null) {
      s.service = Attributes.string(resource.getAttributesList(), "service.name");
    }
    items.put(span, new Seen(candidate ? What.CANDIDATE : What.STREAM_SPAN, s.ref, ""));
  }

  @Override
  public synchronized void marker(Span.Event event, String rule, long traceHi, long traceLo, long streamId) {
    items.put(event, new Seen(What.MARKER, new StreamRef(traceHi, traceLo, streamId), rule));
  }

  @Override
  public synchronized void reparented(Span span, long traceHi, long traceLo, long streamId) {
    items.put(span, new Seen(What.REPARENTED, new StreamRef(traceHi, traceLo, streamId), ""));
  }

  @Override
  public synchronized void passed(Object item, String reason) {
    items.put(item, new Seen(What.PASSED, null, reason));
  }

  @Override
  public synchronized void dropped(Object item, String reason) {
    Seen before = items.get(item);
    items.put(item, new Seen(What.DROPPED, before == null ? null : before.stream(), reason));
  }

  @Override
  public synchronized void closed(
      long traceHi, long traceLo, long streamId, DerivedStream derived, EndReason reason, Resource resource, Span emitted) {
    Stream s = stream(traceHi, traceLo, streamId, resource);
    s.closed = true;
    s.derived = derived;
    s.reason = reason;
    s.emitted = emitted;
  }
}
