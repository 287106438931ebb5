package dev.streamfold.config;

import java.time.Duration;

/** {@code service}: health endpoint, logging and shutdown (SPEC 3 last bullet, 6). */
public final class ServiceConfig {
  public Health health = new Health();
  public Shutdown shutdown = new Shutdown();
  public DebugConfig debug = new DebugConfig();
  /** Root log level: error, warn, info, debug. */
  public String logLevel = "info";
  public MemoryLimiter memoryLimiter = new MemoryLimiter();
  /** Log line format on stderr: {@code text} or {@code json} (one JSON object per line). */
  public String logFormat = "text";

  public static final class Health {
    public boolean enabled = true;
    public String endpoint = "localhost:13133";
  }

  public static final class Shutdown {
    public Duration acceptGrace = Duration.ofSeconds(5);
    public Duration timeout = Duration.ofSeconds(10);
  }

  /**
   * Refuses data (UNAVAILABLE / 503) while the retained heap is over the soft limit; over the hard
   * limit also forces a collection and sheds state (README, "Memory").
   */
  public static final class MemoryLimiter {
    public boolean enabled = true;
    /** Percent of the heap that survives young collections (old generation) at which new data is refused. */
    public int softLimitPercentage = 80;
    /** Percent at which a collection is forced and open streams / recently-closed keys are shed. */
    public int hardLimitPercentage = 90;
    /** Least time between two checks (checks run on admission, so an idle service never wakes up). */
    public Duration checkInterval = Duration.ofMillis(100);
  }

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
