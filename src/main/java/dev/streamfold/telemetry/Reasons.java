package dev.streamfold.telemetry;

/**
 * Reason label values used with {@link ReceiverMetrics}, {@link WindowMetrics} and {@link ExportMetrics}. The lists {@link #REFUSED},
 * {@link #DROPPED} and {@link #EXPORT_FAILED} are the values every signal / unit shows at 0 from
 * start-up, so {@code rate()} and {@code increase()} see the first event.
 */
public final class Reasons {
  private Reasons() {}

  // receiver refusals
  public static final String MALFORMED = "malformed";
  public static final String TOO_LARGE = "too_large";
  public static final String UNSUPPORTED_MEDIA_TYPE = "unsupported_media_type";
  public static final String UNAUTHENTICATED = "unauthenticated";
  public static final String BACKPRESSURE = "backpressure";
  /**
   * The window is behind its input: what it admitted and has not processed reached
   * {@code window.max_pending_items}, or, with the export queue, the queue's admission limit.
   */
  public static final String WINDOW_BACKLOG = "window_backlog";
  public static final String NOT_READY = "not_ready";
  public static final String INVALID_ITEM = "invalid_item";
  /** The memory limiter's soft limit (limiter.MemoryLimiter). */
  public static final String MEMORY_LIMIT = "memory_limit";
  /** A client over a receiver's connection limit (total or per client address). */
  public static final String TOO_MANY_CONNECTIONS = "too_many_connections";
  /** A request body not sent within the receiver's request timeout. */
  public static final String REQUEST_TIMEOUT = "request_timeout";

  // window drops
  public static final String CHUNK_CONSUMED = "chunk_consumed";
  public static final String DUPLICATE_CHUNK = "duplicate_chunk";
  public static final String DUPLICATE_STREAM_SPAN = "duplicate_stream_span";
  public static final String LATE_CHUNK = "late_chunk";
  public static final String TRUNCATED = "chunks_truncated";
  public static final String INTERNAL_ERROR = "internal_error";

  // export
  public static final String QUEUE_FULL = "queue_full";
  public static final String NON_RETRYABLE = "non_retryable";
  public static final String RETRIES_EXHAUSTED = "retries_exhausted";
  public static final String SHUTDOWN = "shutdown";

  /** Receiver refusal reasons (also {@code internal_error}), pre-registered per signal. */
  public static final java.util.List<String> REFUSED = java.util.List.of(
      MALFORMED, TOO_LARGE, UNSUPPORTED_MEDIA_TYPE, UNAUTHENTICATED, BACKPRESSURE, WINDOW_BACKLOG, NOT_READY, INVALID_ITEM,
      TOO_MANY_CONNECTIONS, REQUEST_TIMEOUT, INTERNAL_ERROR);

  /** Window drop reasons, pre-registered for the units spans, span events and log records. */
  public static final java.util.List<String> DROPPED =
      java.util.List.of(DUPLICATE_CHUNK, DUPLICATE_STREAM_SPAN, LATE_CHUNK, TRUNCATED, INTERNAL_ERROR);

  /** Export loss reasons, pre-registered per signal. */
  public static final java.util.List<String> EXPORT_FAILED =
      java.util.List.of(QUEUE_FULL, NON_RETRYABLE, RETRIES_EXHAUSTED, TOO_LARGE, SHUTDOWN);
}
