package dev.streamfold.config;

import java.time.Duration;

/** {@code service}: health endpoint, logging and shutdown (SPEC 3 last bullet, 6). */
public final class ServiceConfig {
  public Health health = new Health();
  public Shutdown shutdown = new Shutdown();
  public DebugConfig debug = new DebugConfig();
  /** Root log level: error, warn, info, debug. */
  public String logLevel = "info";
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

  void validate(Validator v) {
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
