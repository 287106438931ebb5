package dev.streamfold.telemetry;

/** Reason label values used with {@link PipelineMetrics}. */
public final class Reasons {
  private Reasons() {}

  // receiver refusals
  public static final String MALFORMED = "malformed";
  public static final String TOO_LARGE = "too_large";
  public static final String UNSUPPORTED_MEDIA_TYPE = "unsupported_media_type";
  public static final String UNAUTHENTICATED = "unauthenticated";
  public static final String BACKPRESSURE = "backpressure";
  public static final String NOT_READY = "not_ready";
  public static final String INVALID_ITEM = "invalid_item";
  /** The memory limiter's soft limit (limiter.MemoryLimiter). */
  public static final String MEMORY_LIMIT = "memory_limit";

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
}
