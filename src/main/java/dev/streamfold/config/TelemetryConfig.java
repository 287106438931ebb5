package dev.streamfold.config;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** {@code telemetry}: SPEC 4 metrics. */
public final class TelemetryConfig {
  public Prometheus prometheus = new Prometheus();
  public OtlpPush otlp = new OtlpPush();
  /**
   * Series (label sets) per SPEC 4 metric before new label sets go to the one overflow series
   * ({@code otel_metric_overflow="true"}, every other label empty).
   */
  public int maxSeriesPerMetric = 2000;
  /** JVM and process metrics (memory, GC, threads, classes, CPU, uptime, file descriptors). */
  public boolean jvmMetrics = true;
  /**
   * Per-instrument settings keyed by instrument name (e.g.
   * {@code gen_ai.client.operation.time_to_first_chunk}): {@code enabled}, {@code buckets}.
   */
  public Map<String, Instrument> instruments = new LinkedHashMap<>();

  public static final class Prometheus {
    public boolean enabled = true;
    public String endpoint = "localhost:9464";
  }

  public static final class OtlpPush {
    /**
     * Push metrics as OTLP every {@code interval} into the export queue, so they leave through
     * whatever exporter is configured (gRPC, HTTP or the file exporter).
     */
    public boolean enabled = false;
    public Duration interval = Duration.ofSeconds(60);
    /** Resource attributes of the pushed metrics; {@code service.name} defaults to {@code streamfold}. */
    public Map<String, String> resourceAttributes = new LinkedHashMap<>();
  }

  public static final class Instrument {
    public boolean enabled = true;
    /**
     * Explicit bucket boundaries (strictly ascending, &gt; 0; whole numbers for the token
     * instruments); empty = the SPEC 4 default. Histograms only.
     */
    public List<Double> buckets = List.of();
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
