package dev.streamfold.config;

import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * {@code telemetry}: SPEC 4 metrics.
 *
 * @param maxSeriesPerMetric series (label sets) per SPEC 4 metric before new label sets go to the
 *     one overflow series ({@code otel_metric_overflow="true"}, every other label empty)
 * @param jvmMetrics JVM and process metrics (memory, GC, threads, classes, CPU, uptime, file
 *     descriptors)
 * @param instruments per-instrument settings keyed by instrument name (e.g.
 *     {@code gen_ai.client.operation.time_to_first_chunk}): {@code enabled}, {@code buckets}
 */
public record TelemetryConfig(
    Prometheus prometheus, OtlpPush otlp, int maxSeriesPerMetric, boolean jvmMetrics, Map<String, Instrument> instruments) {
  public TelemetryConfig {
    instruments = Frozen.map(instruments);
  }

  public record Prometheus(boolean enabled, String endpoint) {}

  /**
   * Push metrics as OTLP every {@code interval} into the export queue, so they leave through
   * whatever exporter is configured (gRPC, HTTP or the file exporter).
   *
   * @param resourceAttributes resource attributes of the pushed metrics; {@code service.name}
   *     defaults to {@code streamfold}
   */
  public record OtlpPush(boolean enabled, Duration interval, Map<String, String> resourceAttributes) {
    public OtlpPush {
      resourceAttributes = Frozen.map(resourceAttributes);
    }
  }

  /**
   * @param buckets explicit bucket boundaries (strictly ascending, &gt; 0; whole numbers for the
   *     token instruments); empty = the SPEC 4 default. Histograms only
   */
  public record Instrument(boolean enabled, List<Double> buckets) {
    public Instrument {
      buckets = Frozen.list(buckets);
    }
  }

  /** Histogram instruments whose values are counted in whole units (bucket bounds must be whole). */
  public static final List<String> WHOLE_NUMBER_INSTRUMENTS = List.of(
      "gen_ai.client.token.usage",
      "llm_stream.output_tokens_per_second");

  /** Instruments without buckets. */
  public static final List<String> NON_HISTOGRAM_INSTRUMENTS = List.of("llm_stream.active", "llm_stream.closed");

  /** Whether {@code instrument} is switched on (default: on). */
  public boolean instrumentEnabled(String instrument) {
    Instrument in = instruments == null ? null : instruments.get(instrument);
    return in == null || in.enabled;
  }

  /** Configured buckets of {@code instrument}, empty when the default applies. */
  public List<Double> instrumentBuckets(String instrument) {
    Instrument in = instruments == null ? null : instruments.get(instrument);
    return in == null || in.buckets == null ? List.of() : in.buckets;
  }

  public static final List<String> INSTRUMENTS = List.of(
      "gen_ai.client.operation.time_to_first_chunk",
      "gen_ai.client.operation.time_per_output_chunk",
      "gen_ai.client.operation.duration",
      "gen_ai.client.token.usage",
      "llm_stream.output_tokens_per_second",
      "llm_stream.active",
      "llm_stream.closed");

  void validate(Validator v) {
    Validator p = v.section("prometheus");
    if (prometheus.enabled) {
      p.endpoint(prometheus.endpoint, "endpoint");
    }
    v.section("otlp").positive(otlp.interval, "interval");
    if (otlp.resourceAttributes != null) {
      for (Map.Entry<String, String> e : otlp.resourceAttributes.entrySet()) {
        v.section("otlp").section("resource_attributes").check(
            e.getKey() != null && !e.getKey().isBlank() && e.getValue() != null, e.getKey() == null ? "" : e.getKey(), "must be a non-empty key with a value");
      }
    }
    v.positive(maxSeriesPerMetric, "max_series_per_metric");
    if (instruments == null) {
      return;
    }
    for (Map.Entry<String, Instrument> e : instruments.entrySet()) {
      Validator iv = v.section("instruments").section(e.getKey());
      iv.check(INSTRUMENTS.contains(e.getKey()), "", "unknown instrument; known: " + INSTRUMENTS);
      Instrument in = e.getValue();
      if (in == null) {
        continue;
      }
      List<Double> b = in.buckets;
      if (b != null && !b.isEmpty() && NON_HISTOGRAM_INSTRUMENTS.contains(e.getKey())) {
        iv.check(false, "buckets", "not a histogram: buckets are not allowed");
        continue;
      }
      boolean whole = WHOLE_NUMBER_INSTRUMENTS.contains(e.getKey());
      for (int i = 0; b != null && i < b.size(); i++) {
        Double x = b.get(i);
        iv.check(x != null && Double.isFinite(x) && x > 0, "buckets[" + i + "]", "must be a finite number > 0");
        if (whole && x != null && Double.isFinite(x)) {
          iv.check(x == Math.rint(x), "buckets[" + i + "]",
              "must be a whole number (this histogram bins values on whole numbers), got " + x);
        }
        if (i > 0 && b.get(i) != null && b.get(i - 1) != null) {
          iv.check(b.get(i) > b.get(i - 1), "buckets[" + i + "]", "buckets must be strictly ascending");
        }
      }
    }
  }
}
