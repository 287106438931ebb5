package dev.streamfold.config;

import java.util.Map;

/**
 * The whole configuration, bound from YAML (snake_case keys) by {@link ConfigLoader}, the only
 * place that makes one: immutable records all the way down, validated once.
 *
 * @param exporter one exporter (the original form); see {@code exporters} for several
 * @param exporters several exporters at once, by Collector-style name ({@code otlp/tempo},
 *     {@code file}); replaces {@code exporter}
 */
public record StreamfoldConfig(
    Receivers receivers,
    WindowConfig window,
    ExporterConfig exporter,
    Map<String, ExporterConfig> exporters,
    TelemetryConfig telemetry,
    ServiceConfig service) {
  public StreamfoldConfig {
    exporters = Frozen.map(exporters);
  }

  /** {@code receivers}: one OTLP receiver section. */
  public record Receivers(ReceiverConfig otlp) {}

  /** The exporters to run, by name: {@code exporters}, or {@code exporter} alone named by its type. */
  public Map<String, ExporterConfig> exportersByName() {
    return ExporterConfig.byName(exporter, exporters);
  }

  void validate(Validator v) {
    receivers.otlp().validate(v.section("receivers").section("otlp"));
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
