package dev.streamfold.export;

import java.time.Duration;
import java.util.Objects;

/**
 * What the downstream said about one export request.
 *
 * @param kind success, retryable failure, permanent failure, or refused as too large
 * @param rejected items the downstream rejected in {@code partial_success} (success only)
 * @param retryAfter the server's retry hint (gRPC {@code RetryInfo} / HTTP {@code Retry-After});
 *     {@code null} when none was given
 * @param message short human-readable detail for logs, never request data or secrets
 */
public record ExportOutcome(Kind kind, long rejected, Duration retryAfter, String message) {
  public enum Kind {
    SUCCESS,
    RETRYABLE,
    NON_RETRYABLE,
    /** The downstream refused the request as too large (gRPC RESOURCE_EXHAUSTED on size, HTTP 413): split it. */
    TOO_LARGE
  }

  public ExportOutcome {
    Objects.requireNonNull(kind, "kind");
    message = message == null ? "" : message;
    rejected = Math.max(0, rejected);
  }

  private static final ExportOutcome OK = new ExportOutcome(Kind.SUCCESS, 0, null, "");

  public static ExportOutcome success() {
    return OK;
  }

  public static ExportOutcome success(long rejected, String message) {
    return rejected == 0 && message.isEmpty() ? OK : new ExportOutcome(Kind.SUCCESS, rejected, null, message);
  }

  public static ExportOutcome retryable(Duration retryAfter, String message) {
    return new ExportOutcome(Kind.RETRYABLE, 0, retryAfter, message);
  }

  public static ExportOutcome nonRetryable(String message) {
    return new ExportOutcome(Kind.NON_RETRYABLE, 0, null, message);
  }

  public static ExportOutcome tooLarge(String message) {
    return new ExportOutcome(Kind.TOO_LARGE, 0, null, message);
  }

  public boolean isSuccess() {
    return kind == Kind.SUCCESS;
  }
}
