package dev.streamfold.window;

import dev.streamfold.derive.DerivedStream;
import dev.streamfold.derive.EndReason;
import dev.streamfold.derive.InputShape;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.Span;

/**
 * What the window made of each item, for {@code streamfold explain} and the debug page. A stream
 * is named by its key: trace id (two longs) and stream id. Items are the request's own objects
 * ({@code Span}, {@code Span.Event}, {@code LogRecord}), passed as they are: an observer that keeps
 * them owns the bound on what it keeps.
 *
 * <p>Called on the window's shard threads: implementations must be thread-safe and must not
 * block. The window calls {@link #NOOP} when nobody observes, which allocates nothing.
 */
public interface WindowObserver {
  /**
   * A chunk of a stream (a chunk span, chunk span event or chunk log record).
   *
   * @param rule the recognition rule that matched, e.g. {@code chunk_logs[1] event_name=llm_stream.chunk}
   * @param resource the resource of the chunk's request
   */
  default void chunk(Object item, InputShape shape, String rule, long traceHi, long traceLo, long streamId, Resource resource) {}

  /**
   * A span held as a stream span: it has chunks (or carries chunk events), or, when
   * {@code candidate}, it announces a stream and waits {@code finalize_grace} for chunks.
   */
  default void streamSpan(Span span, boolean candidate, long traceHi, long traceLo, long streamId, Resource resource) {}

  /** A first-chunk marker event on a stream span. */
  default void marker(Span.Event event, String rule, long traceHi, long traceLo, long streamId) {}

  /** A span passed with its parent (a dropped chunk span) replaced by the stream span. */
  default void reparented(Span span, long traceHi, long traceLo, long streamId) {}

  /**
   * An item passed through at once without being part of a stream ({@code reason} empty), or for
   * a reason (a late chunk). A span's events go with it and are not reported separately.
   */
  default void passed(Object item, String reason) {}

  /** An item dropped inside the window, with the reason it is counted under. */
  default void dropped(Object item, String reason) {}

  /**
   * A stream closed.
   *
   * @param derived the figures, or null for a candidate that got nothing and passed unchanged
   * @param emitted the span it produced: the condensed stream span, {@code llm_stream.incomplete},
   *     or the unchanged candidate
   */
  default void closed(long traceHi, long traceLo, long streamId, DerivedStream derived, EndReason reason, Resource resource, Span emitted) {}

  WindowObserver NOOP = new WindowObserver() {};
}
