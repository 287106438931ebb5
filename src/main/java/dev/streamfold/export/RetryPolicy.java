package dev.streamfold.export;

import dev.streamfold.config.ExporterConfig;
import java.time.Duration;
import java.util.function.DoubleSupplier;

/**
 * Exponential backoff with jitter (the OpenTelemetry Collector's retry_on_failure semantics).
 * Retry {@code k} (1-based) waits {@code min(max_interval, initial * multiplier^(k-1))} scaled by
 * a random factor in [0.5, 1.5), capped at {@code max_interval}. A server hint replaces the
 * computed delay (it is not capped by {@code max_interval}). The request is given up when the
 * elapsed time plus the next delay would pass {@code max_elapsed_time} ({@code 0} = never give
 * up), or after the first failure when retry is disabled. Immutable; thread-safe when the
 * random source is.
 */
final class RetryPolicy {
  private final boolean enabled;
  private final long initialNanos;
  private final long maxIntervalNanos;
  private final long maxElapsedNanos;
  private final double multiplier;
  private final DoubleSupplier random;

  RetryPolicy(ExporterConfig.Retry cfg, DoubleSupplier random) {
    this.enabled = cfg.enabled();
    this.initialNanos = cfg.initialInterval().toNanos();
    this.maxIntervalNanos = cfg.maxInterval().toNanos();
    this.maxElapsedNanos = cfg.maxElapsedTime().toNanos();
    this.multiplier = cfg.multiplier();
    this.random = random;
  }

  /** The jittered backoff before retry {@code retry} (1-based), ignoring any hint. */
  Duration backoff(int retry) {
    double base = initialNanos * Math.pow(multiplier, Math.max(0, retry - 1));
    base = Math.min(base, maxIntervalNanos);
    double jittered = base * (0.5 + random.getAsDouble());
    return Duration.ofNanos((long) Math.min(jittered, maxIntervalNanos));
  }

  /**
   * The delay before retry {@code retry}, or {@code null} to give up.
   *
   * @param hint the server's retry delay, or {@code null}
   * @param elapsedNanos time since the first attempt
   */
  Duration next(int retry, Duration hint, long elapsedNanos) {
    if (!enabled) {
      return null;
    }
    Duration d = hint != null && !hint.isNegative() ? hint : backoff(retry);
    if (maxElapsedNanos > 0 && elapsedNanos + d.toNanos() > maxElapsedNanos) {
      return null;
    }
    return d;
  }
}
