package dev.streamfold.config;

/**
 * The whole configuration, bound from YAML (snake_case keys). Treated as immutable once
 * {@link ConfigLoader} has validated it.
 */
public final class StreamfoldConfig {
  public Receivers receivers = new Receivers();
  public WindowConfig window;
  /** One exporter (the original form); see {@link #exporters} for several. */
  public ExporterConfig exporter = new ExporterConfig();
  /** Several exporters at once, by Collector-style name ({@code otlp/tempo}, {@code file}); replaces {@code exporter}. */
  public java.util.Map<String, ExporterConfig> exporters = new java.util.LinkedHashMap<>();

  /** The exporters to run, by name: {@code exporters}, or {@code exporter} alone named by its type. */
  public java.util.Map<String, ExporterConfig> exportersByName() {
    return ExporterConfig.byName(exporter, exporters);
  }
  public TelemetryConfig telemetry = new TelemetryConfig();
  public ServiceConfig service = new ServiceConfig();

  public static final class Receivers {
    public ReceiverConfig otlp = new ReceiverConfig();
  }

  void validate(Validator v) {
    receivers.otlp.validate(v.section("receivers").section("otlp"));
    window.validate(v.section("window"));
    if (exporters.isEmpty()) {
      exporter.validate(v.section("exporter"));
    } else {
      ExporterConfig.validateNamed(exporters, v.section("exporters"));
    }
    telemetry.validate(v.section("telemetry"));
    service.validate(v.section("service"));
  }
}
