package dev.streamfold.pipeline;

import java.time.Duration;

/**
 * Outcome of handing one OTLP request to the pipeline.
 *
 * @param status OK (possibly with rejected items), REFUSED (backpressure, retry later),
 *     UNAVAILABLE (not accepting: starting or draining) or TOO_LARGE (larger than the pipeline
 *     could ever accept: retrying cannot help)
 * @param rejected items rejected by the pipeline, reported in partial_success
 * @param message partial_success / error message, empty when nothing to say
 * @param retryAfter hint for REFUSED / UNAVAILABLE
 * @param refusalReason the reason label receivers count a refusal under, null for their default
 *     (backpressure / not_ready)
 */
public record IngestResult(Status status, long rejected, String message, Duration retryAfter, String refusalReason) {
  public IngestResult(Status status, long rejected, String message, Duration retryAfter) {
    this(status, rejected, message, retryAfter, null);
  }

  public enum Status {
    OK,
    REFUSED,
    UNAVAILABLE,
    TOO_LARGE
  }

  public static final IngestResult OK = new IngestResult(Status.OK, 0, "", Duration.ZERO);

  public static IngestResult refused(Duration retryAfter, String message) {
    return new IngestResult(Status.REFUSED, 0, message, retryAfter);
  }

  /** REFUSED, counted by receivers under {@code reason} (e.g. memory_limit). */
  public static IngestResult refused(Duration retryAfter, String message, String reason) {
    return new IngestResult(Status.REFUSED, 0, message, retryAfter, reason);
  }

  public static IngestResult unavailable(String message) {
    return new IngestResult(Status.UNAVAILABLE, 0, message, Duration.ofSeconds(1));
  }

  /** @param message names the limit */
  public static IngestResult tooLarge(String message) {
    return new IngestResult(Status.TOO_LARGE, 0, message, Duration.ZERO);
  }

  public boolean accepted() {
    return status == Status.OK;
  }
}
