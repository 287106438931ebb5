package dev.streamfold.config;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** {@code telemetry}: SPEC 4 metrics. */
public final class TelemetryConfig {
  public Prometheus prometheus = new Prometheus();
  public OtlpPush otlp = new OtlpPush();
  /** Series per metric before new label sets go to the overflow series. */
  public int maxSeriesPerMetric = 2000;
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
    /** Push metrics through the configured OTLP exporter (ignored with the file exporter). */
    public boolean enabled = false;
    public Duration interval = Duration.ofSeconds(60);
  }

  public static final class Instrument {
    public boolean enabled = true;
    /** Explicit bucket boundaries (ascending); empty = the SPEC 4 default. */
    public List<Double> buckets = List.of();
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
      for (int i = 0; b != null && i < b.size(); i++) {
        iv.check(b.get(i) != null && Double.isFinite(b.get(i)), "buckets[" + i + "]", "must be a finite number");
        if (i > 0 && b.get(i) != null && b.get(i - 1) != null) {
          iv.check(b.get(i) > b.get(i - 1), "buckets[" + i + "]", "buckets must be strictly ascending");
        }
      }
    }
  }
}
