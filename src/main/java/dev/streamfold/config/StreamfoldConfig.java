package dev.streamfold.config;

/**
 * The whole configuration, bound from YAML (snake_case keys). Treated as immutable once
 * {@link ConfigLoader} has validated it.
 */
public final class StreamfoldConfig {
  public Receivers receivers = new Receivers();
  public WindowConfig window = new WindowConfig();
  public ExporterConfig exporter = new ExporterConfig();
  public TelemetryConfig telemetry = new TelemetryConfig();
  public ServiceConfig service = new ServiceConfig();

  public static final class Receivers {
    public ReceiverConfig otlp = new ReceiverConfig();
  }

  public void validate() throws ConfigException {
    Validator v = new Validator();
    receivers.otlp.validate(v.section("receivers").section("otlp"));
    WindowConfig.resolvePendingAlias(receivers.otlp, window, v);
    window.validate(v.section("window"));
    exporter.validate(v.section("exporter"));
    telemetry.validate(v.section("telemetry"));
    service.validate(v.section("service"));
    v.throwIfAny();
  }
}
