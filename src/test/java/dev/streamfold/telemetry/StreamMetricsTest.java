package dev.streamfold.telemetry;

import static dev.streamfold.telemetry.Streams.stream;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.streamfold.config.TelemetryConfig;
import dev.streamfold.config.TestConfig;
import dev.streamfold.derive.EndReason;
import dev.streamfold.derive.InputShape;
import dev.streamfold.derive.StreamLabels;
import dev.streamfold.derive.StreamListener;
import dev.streamfold.derive.TokenSource;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class StreamMetricsTest {
  static final String TTFT = "gen_ai_client_operation_time_to_first_chunk_seconds";
  static final String TPOC = "gen_ai_client_operation_time_per_output_chunk_seconds";
  static final String DURATION = "gen_ai_client_operation_duration_seconds";
  static final String TOKENS = "gen_ai_client_token_usage";
  static final String TPS = "llm_stream_output_tokens_per_second";
  static final String ACTIVE = "llm_stream_active";
  static final String CLOSED = "llm_stream_closed_total";

  static final Set<String> COMMON_KEYS = Set.of(
      "service_name", "gen_ai_operation_name", "gen_ai_provider_name", "gen_ai_request_model",
      "gen_ai_response_model", "error_type", "llm_stream_complete", "otel_metric_overflow");

  private final List<Telemetry> started = new ArrayList<>();

  @AfterEach
  void stop() {
    started.forEach(t -> t.shutdown(Duration.ofSeconds(1)));
  }

  /** @param sets {@code --set} overrides relative to {@code telemetry} */
  private Telemetry start(String... sets) throws Exception {
    TelemetryConfig c = TestConfig.telemetry(TestConfig.concat(new String[] {"prometheus.endpoint=127.0.0.1:0", "jvm_metrics=false"}, sets));
    Telemetry t = Telemetry.builder(c).build();
    t.start();
    started.add(t);
    return t;
  }

  private static int port(Telemetry t) {
    return t.metricsServer().orElseThrow().port();
  }

  private static List<Double> bounds(Exposition e, String family) {
    return e.named(family + "_bucket").stream()
        .map(s -> Exposition.number(s.label("le")))
        .distinct()
        .toList();
  }

  /** Cumulative bucket counts by upper bound of the one series of {@code family} matching {@code match}. */
  private static Map<Double, Double> buckets(Exposition e, String family, Map<String, String> match) {
    Map<Double, Double> out = new java.util.LinkedHashMap<>();
    for (Exposition.Sample s : e.named(family + "_bucket", match)) {
      assertThat(out.put(Exposition.number(s.label("le")), s.value())).as("one series").isNull();
    }
    return out;
  }

  private static double value(Exposition e, String name, Map<String, String> match) {
    List<Exposition.Sample> s = e.named(name, match);
    assertThat(s).as(name + " " + match).hasSize(1);
    return s.get(0).value();
  }

  @Test
  void servesExactlyThePinnedNamesAndTypes() throws Exception {
    Telemetry t = start();
    t.registerActiveStreams(() -> 7);
    t.streamListener().onStreamClosed(stream().ttft(120.0).duration(900.0).intervals(5, 6)
        .tokens(TokenSource.USAGE, 12L, 40L).tokensPerSecond(44.4).build());

    Exposition e = Streams.scrapeParsed(port(t), null);

    assertThat(e.types).containsEntry(TTFT, "histogram")
        .containsEntry(TPOC, "histogram")
        .containsEntry(DURATION, "histogram")
        .containsEntry(TOKENS, "histogram")
        .containsEntry(TPS, "histogram")
        .containsEntry(ACTIVE, "gauge")
        .containsEntry(CLOSED, "counter");
    assertThat(e.types.keySet().stream().filter(n -> n.startsWith("gen_ai_") || n.startsWith("llm_stream_")))
        .containsExactlyInAnyOrder(TTFT, TPOC, DURATION, TOKENS, TPS, ACTIVE, CLOSED);
    assertThat(e.named(ACTIVE).get(0).value()).isEqualTo(7.0);
    assertThat(value(e, CLOSED, Map.of("llm_stream_end_reason", "stream_end", "llm_stream_input_shape", "chunk_spans")))
        .isEqualTo(1.0);
  }

  @Test
  void ttftObservationsLandInTheirBuckets() throws Exception {
    Telemetry t = start();
    StreamListener l = t.streamListener();
    for (double ms : new double[] {5, 10, 15, 100, 100_000}) {
      l.onStreamClosed(stream().ttft(ms).build());
    }

    Exposition e = Streams.scrapeParsed(port(t), null);

    assertThat(bounds(e, TTFT)).containsExactly(0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24,
        20.48, 40.96, 81.92, Double.POSITIVE_INFINITY);
    Map<Double, Double> b = buckets(e, TTFT, Map.of());
    assertThat(b.get(0.01)).isEqualTo(2.0); // 5 ms and exactly 10 ms (le is inclusive)
    assertThat(b.get(0.02)).isEqualTo(3.0);
    assertThat(b.get(0.08)).isEqualTo(3.0);
    assertThat(b.get(0.16)).isEqualTo(4.0);
    assertThat(b.get(81.92)).isEqualTo(4.0);
    assertThat(b.get(Double.POSITIVE_INFINITY)).isEqualTo(5.0);
    assertThat(value(e, TTFT + "_count", Map.of())).isEqualTo(5.0);
    assertThat(value(e, TTFT + "_sum", Map.of())).isCloseTo(100.130, within(1e-9));
  }

  @Test
  void noTtftOrDurationObservationWhenAbsent() throws Exception {
    Telemetry t = start();
    t.streamListener().onStreamClosed(stream().ttft(null).duration(null).intervals(4, 4).build());

    Exposition e = Streams.scrapeParsed(port(t), null);

    assertThat(e.family(TTFT)).isEmpty();
    assertThat(e.family(DURATION)).isEmpty();
    assertThat(value(e, TPOC + "_count", Map.of())).isEqualTo(2.0);
  }

  @Test
  void everyChunkIntervalIsOneObservation() throws Exception {
    Telemetry t = start();
    t.streamListener().onStreamClosed(stream().ttft(50.0).intervals(3, 7, 25).build());
    t.streamListener().onStreamClosed(stream().ttft(50.0).intervals().build());

    Exposition e = Streams.scrapeParsed(port(t), null);

    Map<Double, Double> b = buckets(e, TPOC, Map.of());
    assertThat(b.get(0.01)).isEqualTo(2.0);
    assertThat(b.get(0.02)).isEqualTo(2.0);
    assertThat(b.get(0.04)).isEqualTo(3.0);
    assertThat(value(e, TPOC + "_count", Map.of())).isEqualTo(3.0);
    assertThat(value(e, TPOC + "_sum", Map.of())).isCloseTo(0.035, within(1e-12));
  }

  @Test
  void tokenUsageByTypeAndNoneWithoutATokenSource() throws Exception {
    Telemetry t = start();
    t.streamListener().onStreamClosed(stream().model("none-model").tokens(TokenSource.NONE, 10L, 99L).build());
    t.streamListener().onStreamClosed(stream().model("usage-model").tokens(TokenSource.USAGE, 3L, 100L).build());
    t.streamListener().onStreamClosed(stream().model("chunk-model").tokens(TokenSource.CHUNK_ATTRIBUTES, null, 5L).build());

    Exposition e = Streams.scrapeParsed(port(t), null);

    assertThat(e.family(TOKENS)).isNotEmpty()
        .noneMatch(s -> s.label("gen_ai_request_model").equals("none-model"));
    assertThat(bounds(e, TOKENS)).containsExactly(1.0, 4.0, 16.0, 64.0, 256.0, 1024.0, 4096.0, 16384.0, 65536.0,
        262144.0, 1048576.0, 4194304.0, 16777216.0, 67108864.0, Double.POSITIVE_INFINITY);
    Map<Double, Double> out = buckets(e, TOKENS, Map.of("gen_ai_request_model", "usage-model", "gen_ai_token_type", "output"));
    assertThat(out.get(64.0)).isEqualTo(0.0);
    assertThat(out.get(256.0)).isEqualTo(1.0);
    Map<Double, Double> in = buckets(e, TOKENS, Map.of("gen_ai_request_model", "usage-model", "gen_ai_token_type", "input"));
    assertThat(in.get(1.0)).isEqualTo(0.0);
    assertThat(in.get(4.0)).isEqualTo(1.0);
    // absent input count: no input observation
    assertThat(e.named(TOKENS + "_count", Map.of("gen_ai_request_model", "chunk-model")))
        .extracting(s -> s.label("gen_ai_token_type"))
        .containsExactly("output");
  }

  @Test
  void tokensPerSecondBuckets() throws Exception {
    Telemetry t = start();
    for (double tps : new double[] {0.5, 1.0, 1.5, 47.25, 9000}) {
      t.streamListener().onStreamClosed(stream().tokensPerSecond(tps).build());
    }

    Exposition e = Streams.scrapeParsed(port(t), null);

    assertThat(bounds(e, TPS)).containsExactly(1.0, 2.0, 5.0, 10.0, 20.0, 50.0, 100.0, 200.0, 500.0, 1000.0,
        2000.0, 5000.0, Double.POSITIVE_INFINITY);
    Map<Double, Double> b = buckets(e, TPS, Map.of());
    assertThat(b.get(1.0)).isEqualTo(2.0);
    assertThat(b.get(2.0)).isEqualTo(3.0);
    assertThat(b.get(20.0)).isEqualTo(3.0);
    assertThat(b.get(50.0)).isEqualTo(4.0);
    assertThat(b.get(5000.0)).isEqualTo(4.0);
    assertThat(value(e, TPS + "_sum", Map.of())).isCloseTo(9050.25, within(1e-9));
  }

  @Test
  void everySeriesOfAMetricCarriesTheSameLabelKeys() throws Exception {
    Telemetry t = start("max_series_per_metric=3");
    StreamListener l = t.streamListener();
    l.onStreamClosed(stream().ttft(10.0).duration(20.0).intervals(1, 2).tokens(TokenSource.USAGE, 1L, 2L)
        .tokensPerSecond(3.0).build());
    l.onStreamClosed(stream().labels(StreamLabels.EMPTY).ttft(10.0).duration(20.0).intervals(1)
        .tokens(TokenSource.USAGE, null, 2L).tokensPerSecond(3.0).incomplete(EndReason.IDLE_TIMEOUT)
        .shape(InputShape.CHUNK_LOGS).build());
    l.onStreamClosed(stream().labels(new StreamLabels("svc", "", "anthropic", "", "", "timeout")).ttft(10.0)
        .duration(20.0).intervals(1).tokens(TokenSource.CHUNK_ATTRIBUTES, 7L, 9L).tokensPerSecond(3.0).build());
    for (int i = 0; i < 5; i++) { // past the cap: overflow series
      l.onStreamClosed(stream().model("m" + i).ttft(10.0).duration(20.0).intervals(1)
          .tokens(TokenSource.USAGE, 1L, 2L).tokensPerSecond(3.0).incomplete(EndReason.EVICTED).build());
    }

    Exposition e = Streams.scrapeParsed(port(t), null);

    for (String f : List.of(TTFT, TPOC, DURATION, TPS)) {
      assertThat(e.labelKeySets(f)).as(f).containsExactly(COMMON_KEYS);
    }
    Set<String> tokenKeys = new java.util.TreeSet<>(COMMON_KEYS);
    tokenKeys.add("gen_ai_token_type");
    assertThat(e.labelKeySets(TOKENS)).containsExactly(tokenKeys);
    Set<String> closedKeys = new java.util.TreeSet<>(COMMON_KEYS);
    closedKeys.add("llm_stream_end_reason");
    closedKeys.add("llm_stream_input_shape");
    assertThat(e.labelKeySets(CLOSED)).containsExactly(closedKeys);
    // absent labels are empty strings, never missing
    assertThat(e.named(TTFT + "_count", Map.of("service_name", "", "llm_stream_complete", "false"))).hasSize(1);
  }

  @Test
  void labelsCarryTheStreamValues() throws Exception {
    Telemetry t = start();
    t.streamListener().onStreamClosed(stream()
        .labels(new StreamLabels("svc-a", "chat", "openai", "gpt-4o", "gpt-4o-mini", "timeout"))
        .ttft(10.0).incomplete(EndReason.MAX_AGE).build());

    Exposition e = Streams.scrapeParsed(port(t), null);

    Exposition.Sample s = e.named(TTFT + "_count").get(0);
    assertThat(s.labels()).containsEntry("service_name", "svc-a")
        .containsEntry("gen_ai_operation_name", "chat")
        .containsEntry("gen_ai_provider_name", "openai")
        .containsEntry("gen_ai_request_model", "gpt-4o")
        .containsEntry("gen_ai_response_model", "gpt-4o-mini")
        .containsEntry("error_type", "timeout")
        .containsEntry("llm_stream_complete", "false")
        .containsEntry("otel_metric_overflow", "");
    assertThat(value(e, CLOSED, Map.of("llm_stream_end_reason", "max_age", "llm_stream_complete", "false")))
        .isEqualTo(1.0);
  }

  @Test
  void cardinalityCapSendsNewLabelSetsToTheOverflowSeries() throws Exception {
    Telemetry t = start("max_series_per_metric=2");
    for (int i = 0; i < 5; i++) {
      t.streamListener().onStreamClosed(stream().model("model-" + i).ttft(10.0).intervals(1, 2).build());
    }
    t.streamListener().onStreamClosed(stream().model("model-0").ttft(10.0).build()); // known: not overflow

    Exposition e = Streams.scrapeParsed(port(t), null);

    List<Exposition.Sample> counts = e.named(TTFT + "_count");
    assertThat(counts).hasSize(3);
    assertThat(value(e, TTFT + "_count", Map.of("gen_ai_request_model", "model-0"))).isEqualTo(2.0);
    Exposition.Sample overflow = e.named(TTFT + "_count", Map.of("otel_metric_overflow", "true")).get(0);
    assertThat(overflow.value()).isEqualTo(3.0);
    assertThat(overflow.labels()).allSatisfy((k, v) -> {
      if (!k.equals("otel_metric_overflow")) {
        assertThat(v).as(k).isEmpty();
      }
    });
    assertThat(value(e, "streamfold_metric_overflow_total",
        Map.of("metric", "gen_ai.client.operation.time_to_first_chunk"))).isEqualTo(3.0);
    // 3 overflowed streams x 2 intervals each
    assertThat(value(e, "streamfold_metric_overflow_total",
        Map.of("metric", "gen_ai.client.operation.time_per_output_chunk"))).isEqualTo(6.0);
    assertThat(value(e, TPOC + "_count", Map.of("otel_metric_overflow", "true"))).isEqualTo(6.0);
  }

  @Test
  void switchedOffInstrumentsAreAbsent() throws Exception {
    Telemetry t = start("instruments={gen_ai.client.operation.time_to_first_chunk: {enabled: false}, "
        + "llm_stream.active: {enabled: false}, llm_stream.closed: {enabled: false}}");
    t.registerActiveStreams(() -> 3);
    t.streamListener().onStreamClosed(stream().ttft(10.0).duration(30.0).build());

    Exposition e = Streams.scrapeParsed(port(t), null);

    assertThat(e.types).doesNotContainKeys(TTFT, ACTIVE, CLOSED, "llm_stream_closed");
    assertThat(value(e, DURATION + "_count", Map.of())).isEqualTo(1.0);
  }

  @Test
  void customBucketsReplaceTheDefaults() throws Exception {
    Telemetry t = start("instruments={gen_ai.client.operation.duration: {buckets: [0.5, 1.0, 2.0]}, "
        + "llm_stream.output_tokens_per_second: {buckets: [10.0, 1000.0]}}");
    t.streamListener().onStreamClosed(stream().duration(700.0).tokensPerSecond(12.5).build());

    Exposition e = Streams.scrapeParsed(port(t), null);

    assertThat(bounds(e, DURATION)).containsExactly(0.5, 1.0, 2.0, Double.POSITIVE_INFINITY);
    assertThat(buckets(e, DURATION, Map.of())).containsExactly(
        Map.entry(0.5, 0.0), Map.entry(1.0, 1.0), Map.entry(2.0, 1.0), Map.entry(Double.POSITIVE_INFINITY, 1.0));
    assertThat(bounds(e, TPS)).containsExactly(10.0, 1000.0, Double.POSITIVE_INFINITY);
  }

  @Test
  void invalidValuesAreSkippedAndCounted() throws Exception {
    Telemetry t = start();
    t.streamListener().onStreamClosed(stream().ttft(-3.0).duration(Double.NaN).intervals(-1, 2)
        .tokensPerSecond(Double.POSITIVE_INFINITY).build());

    Exposition e = Streams.scrapeParsed(port(t), null);

    assertThat(e.family(TTFT)).isEmpty();
    assertThat(e.family(DURATION)).isEmpty();
    assertThat(e.family(TPS)).isEmpty();
    assertThat(value(e, TPOC + "_count", Map.of())).isEqualTo(1.0);
    assertThat(value(e, "streamfold_metric_invalid_total", Map.of("metric", "gen_ai.client.operation.time_to_first_chunk"))).isEqualTo(1.0);
    assertThat(value(e, "streamfold_metric_invalid_total", Map.of("metric", "gen_ai.client.operation.duration"))).isEqualTo(1.0);
    assertThat(value(e, "streamfold_metric_invalid_total", Map.of("metric", "gen_ai.client.operation.time_per_output_chunk"))).isEqualTo(1.0);
    assertThat(value(e, "streamfold_metric_invalid_total", Map.of("metric", "llm_stream.output_tokens_per_second"))).isEqualTo(1.0);
  }

  @Test
  void concurrentRecordingCountsEveryStream() throws Exception {
    Telemetry t = start("max_series_per_metric=5");
    int threads = 4;
    int perThread = 500;
    List<Thread> workers = new ArrayList<>();
    for (int w = 0; w < threads; w++) {
      int id = w;
      workers.add(new Thread(() -> {
        for (int i = 0; i < perThread; i++) {
          t.streamListener().onStreamClosed(stream().model("m" + ((id * perThread + i) % 8)).ttft(10.0).intervals(1).build());
        }
      }));
    }
    workers.forEach(Thread::start);
    for (Thread w : workers) {
      w.join();
    }

    Exposition e = Streams.scrapeParsed(port(t), null);

    List<Exposition.Sample> counts = e.named(TTFT + "_count");
    assertThat(counts).hasSize(6); // 5 series + overflow
    assertThat(counts.stream().mapToDouble(Exposition.Sample::value).sum()).isEqualTo(threads * perThread);
    double overflowed = value(e, TTFT + "_count", Map.of("otel_metric_overflow", "true"));
    assertThat(value(e, "streamfold_metric_overflow_total",
        Map.of("metric", "gen_ai.client.operation.time_to_first_chunk"))).isEqualTo(overflowed);
  }
}
