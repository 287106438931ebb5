package dev.streamfold.telemetry;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.prometheus.metrics.core.metrics.Info;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

/**
 * The build's version and git revision, from {@code streamfold-build.properties} (filled in by
 * Maven resource filtering). Without git at build time, or run from unfiltered classes, the
 * revision is {@code unknown}; a build from a modified tree carries {@code -dirty}.
 *
 * @param version the project version, e.g. {@code 0.1.0-SNAPSHOT}
 * @param revision the abbreviated commit id, or {@code unknown}
 */
public record BuildInfo(String version, String revision) {
  static final String RESOURCE = "/streamfold-build.properties";
  private static final String UNKNOWN = "unknown";
  private static final BuildInfo CURRENT = read();

  /** The running build. */
  public static BuildInfo current() {
    return CURRENT;
  }

  /** {@code 0.1.0-SNAPSHOT (revision 02140582dc46)}, as {@code --version} prints it. */
  @Override
  public String toString() {
    return version + " (revision " + revision + ")";
  }

  /**
   * Registers {@code streamfold_build_info{version,revision}} = 1 for the scrape endpoint, as a
   * Prometheus info metric (micrometer would strip the reserved {@code _info} suffix from a gauge).
   */
  void register(PrometheusRegistry registry) {
    Info.builder()
        .name("streamfold_build_info")
        .help("Build of the running streamfold: version and git revision, value 1.")
        .labelNames("version", "revision")
        .register(registry)
        .addLabelValues(version, revision);
  }

  /** Registers the gauge {@code streamfold.build_info} = 1 for the OTLP metrics push. */
  void register(MeterRegistry registry) {
    Gauge.builder("streamfold.build_info", () -> 1.0)
        .description("Build of the running streamfold: version and git revision, value 1.")
        .tag("version", version)
        .tag("revision", revision)
        .strongReference(true)
        .register(registry);
  }

  static BuildInfo read() {
    Properties p = new Properties();
    try (InputStream in = BuildInfo.class.getResourceAsStream(RESOURCE)) {
      if (in != null) {
        p.load(in);
      }
    } catch (IOException e) {
      // fall through to the defaults
    }
    return parse(p);
  }

  static BuildInfo parse(Properties p) {
    String version = value(p, "version");
    String revision = value(p, "revision");
    if (!revision.equals(UNKNOWN) && value(p, "dirty").equals("true")) {
      revision += "-dirty";
    }
    return new BuildInfo(version.equals(UNKNOWN) ? "dev" : version, revision);
  }

  /** A filtered value, or {@code unknown} when absent, empty or left as a {@code ${...}} placeholder. */
  private static String value(Properties p, String key) {
    String v = p.getProperty(key, "").strip();
    return v.isEmpty() || v.contains("${") ? UNKNOWN : v;
  }
}
