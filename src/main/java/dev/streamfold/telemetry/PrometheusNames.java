package dev.streamfold.telemetry;

import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.config.NamingConvention;
import io.micrometer.prometheusmetrics.PrometheusNamingConvention;

/**
 * Prometheus naming as the OTel Collector's prometheus exporter does it for our units: dots to
 * underscores, {@code s} becomes the {@code _seconds} suffix, UCUM annotations such as
 * {@code {token}} or {@code {token}/s} add no suffix (micrometer's own convention would append
 * {@code __token_}), other units (bytes, threads...) as micrometer does; counters get
 * {@code _total} from the exposition format. Stateless and thread-safe.
 */
final class PrometheusNames implements NamingConvention {
  private final PrometheusNamingConvention delegate = new PrometheusNamingConvention();

  @Override
  public String name(String name, Meter.Type type, String baseUnit) {
    return delegate.name(name, type, suffixUnit(baseUnit));
  }

  @Override
  public String tagKey(String key) {
    return delegate.tagKey(key);
  }

  static String suffixUnit(String unit) {
    if (unit == null || unit.isEmpty() || unit.indexOf('{') >= 0) {
      return null;
    }
    if (unit.equals("s")) {
      return "seconds";
    }
    return unit;
  }
}
