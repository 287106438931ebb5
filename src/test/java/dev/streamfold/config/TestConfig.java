package dev.streamfold.config;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Configurations for tests, made the way users make them: the defaults plus {@code --set
 * path=value} overrides (values in YAML: {@code 20ms}, {@code [a, b]}, {@code {k: v}}), bound
 * and validated by {@link ConfigLoader}. {@code TestConfig.window("idle_timeout=1s")} is the
 * window section of {@code --set window.idle_timeout=1s}. An invalid override fails the test
 * with the loader's message; {@link #unchecked} skips validation for a configuration a test
 * means to be invalid.
 */
public final class TestConfig {
  private TestConfig() {}

  /** The defaults with {@code sets} applied, validated. */
  public static StreamfoldConfig of(String... sets) {
    return make(List.of(sets), true);
  }

  /** {@link #of} without validation. */
  public static StreamfoldConfig unchecked(String... sets) {
    return make(List.of(sets), false);
  }

  /** {@code base} with more overrides, validated. */
  public static StreamfoldConfig with(StreamfoldConfig base, String... sets) {
    try {
      return ConfigLoader.override(base, List.of(sets), true);
    } catch (ConfigException e) {
      throw new IllegalArgumentException(e.getMessage(), e);
    }
  }

  public static WindowConfig window(String... sets) {
    return of(under("window", sets)).window;
  }

  public static ReceiverConfig receiver(String... sets) {
    return of(under("receivers.otlp", sets)).receivers.otlp;
  }

  public static ExporterConfig exporter(String... sets) {
    return of(under("exporter", sets)).exporter;
  }

  public static TelemetryConfig telemetry(String... sets) {
    return of(under("telemetry", sets)).telemetry;
  }

  public static ServiceConfig service(String... sets) {
    return of(under("service", sets)).service;
  }

  /** {@code sets} relative to {@code section}. */
  public static String[] under(String section, String... sets) {
    return Arrays.stream(sets).map(s -> section + "." + s).toArray(String[]::new);
  }

  /** {@code a} followed by {@code b}. */
  public static String[] concat(String[] a, String... b) {
    List<String> all = new ArrayList<>(Arrays.asList(a));
    all.addAll(Arrays.asList(b));
    return all.toArray(String[]::new);
  }

  private static StreamfoldConfig make(List<String> sets, boolean validate) {
    try {
      return ConfigLoader.build(new ConfigLoader(k -> null).tree(List.of(), sets), validate);
    } catch (ConfigException e) {
      throw new IllegalArgumentException(e.getMessage(), e);
    }
  }
}
