package dev.streamfold.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class TelemetryConfigTest {
  private static List<String> errors(TelemetryConfig c) {
    Validator v = new Validator();
    c.validate(v.section("telemetry"));
    return v.errors().stream().map(ConfigException::getMessage).collect(Collectors.toList());
  }

  /** Validation errors of the default telemetry section with {@code sets}. */
  private static List<String> errors(String... sets) {
    return errors(TestConfig.uncheckedWith(TestConfig.telemetry(), sets));
  }

  @Test
  void defaultsAreValid() {
    TelemetryConfig c = TestConfig.telemetry();

    assertThat(errors(c)).isEmpty();
    assertThat(c.instrumentEnabled("gen_ai.client.operation.duration")).isTrue();
    assertThat(c.instrumentBuckets("gen_ai.client.operation.duration")).isEmpty();
    assertThat(c.maxSeriesPerMetric()).isEqualTo(2000);
  }

  @Test
  void bucketsMustBePositiveAscendingAndWholeForTokenInstruments() {
    assertThat(errors("instruments={"
            + "gen_ai.client.operation.duration: {buckets: [0.5, 0.25]}, "
            + "gen_ai.client.operation.time_to_first_chunk: {buckets: [0.0, 1.0]}, "
            + "gen_ai.client.token.usage: {buckets: [1.0, 2.5]}, "
            + "llm_stream.output_tokens_per_second: {buckets: [10.0, 100.0]}}"))
        .hasSize(3).anySatisfy(e -> assertThat(e)
            .contains("telemetry.instruments.gen_ai.client.operation.duration.buckets[1]").contains("ascending"))
        .anySatisfy(e -> assertThat(e)
            .contains("telemetry.instruments.gen_ai.client.operation.time_to_first_chunk.buckets[0]").contains("> 0"))
        .anySatisfy(e -> assertThat(e)
            .contains("telemetry.instruments.gen_ai.client.token.usage.buckets[1]").contains("whole number"));
  }

  @Test
  void nonHistogramsTakeNoBucketsAndUnknownInstrumentsAreRejected() {
    assertThat(errors("instruments={llm_stream.closed: {buckets: [1.0]}, gen_ai.client.operation.time_to_first_token: {}}")).hasSize(2)
        .anySatisfy(e -> assertThat(e).contains("telemetry.instruments.llm_stream.closed.buckets").contains("not a histogram"))
        .anySatisfy(e -> assertThat(e).contains("gen_ai.client.operation.time_to_first_token").contains("unknown instrument"));
  }

  @Test
  void switchedOffInstrument() {
    TelemetryConfig c = TestConfig.telemetry("instruments={llm_stream.active: {enabled: false}}");

    assertThat(c.instrumentEnabled("llm_stream.active")).isFalse();
    assertThat(c.instrumentEnabled("llm_stream.closed")).isTrue();
  }

  @Test
  void bindsFromYaml() throws Exception {
    StreamfoldConfig c = new ConfigLoader(k -> null).parse(String.join("\n",
        "telemetry:",
        "  max_series_per_metric: 10",
        "  jvm_metrics: false",
        "  prometheus: {endpoint: \"0.0.0.0:9464\"}",
        "  otlp:",
        "    enabled: true",
        "    interval: 30s",
        "    resource_attributes: {deployment.environment: prod}",
        "  instruments:",
        "    gen_ai.client.operation.time_per_output_chunk: {buckets: [0.001, 0.005, 0.02]}",
        "    llm_stream.active: {enabled: false}",
        ""));

    TelemetryConfig t = c.telemetry();
    assertThat(t.maxSeriesPerMetric()).isEqualTo(10);
    assertThat(t.jvmMetrics()).isFalse();
    assertThat(t.prometheus().endpoint()).isEqualTo("0.0.0.0:9464");
    assertThat(t.otlp().enabled()).isTrue();
    assertThat(t.otlp().interval()).isEqualTo(java.time.Duration.ofSeconds(30));
    assertThat(t.otlp().resourceAttributes()).containsEntry("deployment.environment", "prod");
    assertThat(t.instrumentBuckets("gen_ai.client.operation.time_per_output_chunk")).containsExactly(0.001, 0.005, 0.02);
    assertThat(t.instrumentEnabled("llm_stream.active")).isFalse();
  }
}
