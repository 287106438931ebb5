package dev.streamfold.config;

import java.time.Duration;

/**
 * {@code service}: health endpoint, logging and shutdown (SPEC 3 last bullet, 6).
 *
 * @param logLevel root log level: error, warn, info, debug, trace
 * @param logFormat log line format on stderr: {@code text} or {@code json} (one JSON object per line)
 */
public record ServiceConfig(Health health, Shutdown shutdown, DebugConfig debug, String logLevel, MemoryLimiter memoryLimiter, String logFormat) {

  public record Health(boolean enabled, String endpoint) {}

  public record Shutdown(Duration acceptGrace, Duration timeout) {}

  /**
   * Refuses data (UNAVAILABLE / 503) while the retained heap is over the soft limit; over the hard
   * limit also forces a collection and sheds state (README, "Memory").
   *
   * @param softLimitPercentage percent of the heap that survives young collections (old
   *     generation) at which new data is refused
   * @param hardLimitPercentage percent at which a collection is forced and open streams /
   *     recently-closed keys are shed
   * @param checkInterval least time between two checks (checks run on admission, so an idle
   *     service never wakes up)
   */
  public record MemoryLimiter(boolean enabled, int softLimitPercentage, int hardLimitPercentage, Duration checkInterval) {}

  void validate(Validator v) {
    Validator m = v.section("memory_limiter");
    m.check(memoryLimiter.softLimitPercentage >= 1 && memoryLimiter.softLimitPercentage <= 99, "soft_limit_percentage",
        "must be between 1 and 99, got " + memoryLimiter.softLimitPercentage);
    m.check(memoryLimiter.hardLimitPercentage > memoryLimiter.softLimitPercentage && memoryLimiter.hardLimitPercentage <= 100,
        "hard_limit_percentage", "must be above soft_limit_percentage (" + memoryLimiter.softLimitPercentage + ") and at most 100, got "
            + memoryLimiter.hardLimitPercentage);
    m.positive(memoryLimiter.checkInterval, "check_interval");
    if (health.enabled) {
      v.section("health").endpoint(health.endpoint, "endpoint");
    }
    debug.validate(v.section("debug"));
    v.section("shutdown").nonNegative(shutdown.acceptGrace, "accept_grace");
    v.section("shutdown").positive(shutdown.timeout, "timeout");
    v.check(logFormat.matches("text|json"), "log_format", "must be text or json, got '" + logFormat + "'");
    v.check(logLevel.matches("error|warn|info|debug|trace"), "log_level", "must be error, warn, info, debug or trace, got '" + logLevel + "'");
  }
}
