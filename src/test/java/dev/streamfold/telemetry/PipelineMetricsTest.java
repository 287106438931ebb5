package dev.streamfold.telemetry;

import static org.assertj.core.api.Assertions.assertThat;

import dev.streamfold.config.TelemetryConfig;
import dev.streamfold.config.TestConfig;
import dev.streamfold.pipeline.Signal;
import dev.streamfold.pipeline.Unit;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class PipelineMetricsTest {
  private Telemetry telemetry;
  private PipelineMetrics m;

  @BeforeEach
  void start() throws Exception {
    TelemetryConfig c = TestConfig.telemetry("prometheus.endpoint=127.0.0.1:0", "jvm_metrics=false");
    telemetry = Telemetry.builder(c).build();
    telemetry.start();
    m = telemetry.pipelineMetrics();
  }

  @AfterEach
  void stop() {
    telemetry.shutdown(Duration.ofSeconds(1));
  }

  private Exposition scrape() throws Exception {
    return Streams.scrapeParsed(telemetry.metricsServer().orElseThrow().port(), null);
  }

  private static double value(Exposition e, String name, Map<String, String> labels) {
    var s = e.named(name, labels);
    assertThat(s).as(name + labels).hasSize(1);
    return s.get(0).value();
  }

  @Test
  void everySelfMetricUnderItsPrometheusName() throws Exception {
    m.received(Signal.TRACES, Unit.SPAN, 100);
    m.received(Signal.TRACES, Unit.SPAN_EVENT, 7);
    m.refused(Signal.LOGS, Reasons.BACKPRESSURE, 3);
    m.passed(Unit.SPAN, 40);
    m.condensed(Unit.SPAN, 50);
    m.dropped(Unit.SPAN, Reasons.CHUNK_CONSUMED, 9);
    m.dropped(Unit.SPAN, Reasons.DUPLICATE_CHUNK, 1);
    m.generated(2);
    m.chunks("chunk_spans", 48);
    m.lateChunks(4);
    m.duplicateChunks(1);
    m.missingChunks(13);
    m.reparented(true, 5);
    m.reparented(false, 6);
    m.exported(Signal.TRACES, 42);
    m.exportFailed(Signal.TRACES, Reasons.NON_RETRYABLE, 8);
    m.exportPartialRejected(Signal.LOGS, 11);
    m.gauge("streamfold.buffered", "Units held in the window.", () -> 12, "unit", "span");
    m.gauge("streamfold.export_queue_capacity", "Queue capacity in items.", () -> 1000);

    Exposition e = scrape();

    assertThat(value(e, "streamfold_received_total", Map.of("signal", "traces", "unit", "span"))).isEqualTo(100);
    assertThat(value(e, "streamfold_received_total", Map.of("signal", "traces", "unit", "span_event"))).isEqualTo(7);
    assertThat(value(e, "streamfold_refused_total", Map.of("signal", "logs", "reason", "backpressure"))).isEqualTo(3);
    assertThat(value(e, "streamfold_passed_total", Map.of("unit", "span"))).isEqualTo(40);
    assertThat(value(e, "streamfold_condensed_total", Map.of("unit", "span"))).isEqualTo(50);
    assertThat(value(e, "streamfold_dropped_total", Map.of("unit", "span", "reason", "chunk_consumed"))).isEqualTo(9);
    assertThat(value(e, "streamfold_dropped_total", Map.of("unit", "span", "reason", "duplicate_chunk"))).isEqualTo(1);
    assertThat(value(e, "streamfold_generated_spans_total", Map.of())).isEqualTo(2);
    assertThat(value(e, "streamfold_chunks_total", Map.of("shape", "chunk_spans"))).isEqualTo(48);
    assertThat(value(e, "streamfold_late_chunks_total", Map.of())).isEqualTo(4);
    assertThat(value(e, "streamfold_duplicate_chunks_total", Map.of())).isEqualTo(1);
    assertThat(value(e, "streamfold_missing_chunks_total", Map.of())).isEqualTo(13);
    assertThat(value(e, "streamfold_reparented_total", Map.of("outcome", "reparented"))).isEqualTo(5);
    assertThat(value(e, "streamfold_reparented_total", Map.of("outcome", "unchanged"))).isEqualTo(6);
    assertThat(value(e, "streamfold_exported_total", Map.of("signal", "traces"))).isEqualTo(42);
    assertThat(value(e, "streamfold_export_failed_total", Map.of("signal", "traces", "reason", "non_retryable"))).isEqualTo(8);
    assertThat(value(e, "streamfold_export_partial_rejected_total", Map.of("signal", "logs"))).isEqualTo(11);
    assertThat(value(e, "streamfold_buffered", Map.of("unit", "span"))).isEqualTo(12);
    assertThat(value(e, "streamfold_export_queue_capacity", Map.of())).isEqualTo(1000);
    assertThat(e.types).containsEntry("streamfold_received_total", "counter")
        .containsEntry("streamfold_buffered", "gauge");
  }

  @Test
  void countersWithoutReasonStartAtZeroSoTheConservationLawCanBeChecked() throws Exception {
    Exposition e = scrape();

    for (Unit u : Unit.values()) {
      assertThat(value(e, "streamfold_passed_total", Map.of("unit", u.label()))).isZero();
      assertThat(value(e, "streamfold_condensed_total", Map.of("unit", u.label()))).isZero();
    }
    assertThat(value(e, "streamfold_received_total", Map.of("signal", "logs", "unit", "log_record"))).isZero();
    assertThat(value(e, "streamfold_generated_spans_total", Map.of())).isZero();
    assertThat(value(e, "streamfold_missing_chunks_total", Map.of())).isZero();
  }

  @Test
  void knownReasonsStartAtZeroSoTheFirstEventIsARate() throws Exception {
    m.forExporter("otlp/tempo"); // export series exist per exporter, from the exporter's start
    Exposition e = scrape();

    for (Signal s : Signal.values()) {
      for (String r : Reasons.REFUSED) {
        assertThat(value(e, "streamfold_refused_total", Map.of("signal", s.label(), "reason", r))).isZero();
      }
      for (String r : Reasons.EXPORT_FAILED) {
        assertThat(value(e, "streamfold_export_failed_total", Map.of("exporter", "otlp/tempo", "signal", s.label(), "reason", r))).isZero();
      }
    }
    for (Unit u : new Unit[] {Unit.SPAN, Unit.SPAN_EVENT, Unit.LOG_RECORD}) {
      for (String r : Reasons.DROPPED) {
        assertThat(value(e, "streamfold_dropped_total", Map.of("unit", u.label(), "reason", r))).isZero();
      }
    }
  }

  @Test
  void buildInfoCarriesVersionAndRevision() throws Exception {
    BuildInfo b = BuildInfo.current();

    assertThat(value(scrape(), "streamfold_build_info", Map.of("version", b.version(), "revision", b.revision())))
        .isEqualTo(1);
  }

  @Test
  void nonPositiveCountsAreIgnored() throws Exception {
    m.passed(Unit.SPAN, 5);
    m.passed(Unit.SPAN, 0);
    m.passed(Unit.SPAN, -3);

    assertThat(value(scrape(), "streamfold_passed_total", Map.of("unit", "span"))).isEqualTo(5);
  }

  @Test
  void reasonsAreBoundedWithTheRestUnderOther() throws Exception {
    int distinct = MicrometerPipelineMetrics.MAX_REASONS + 10;
    for (int i = 0; i < distinct; i++) {
      m.dropped(Unit.LOG_RECORD, "reason_" + i, 1);
    }
    m.dropped(Unit.LOG_RECORD, null, 1);

    Exposition e = scrape();

    var series = e.named("streamfold_dropped_total", Map.of("unit", "log_record"));
    assertThat(series).hasSize(MicrometerPipelineMetrics.MAX_REASONS + 1);
    assertThat(series.stream().mapToDouble(Exposition.Sample::value).sum()).isEqualTo(distinct + 1);
    // the pre-registered known reasons take their places first
    int named = MicrometerPipelineMetrics.MAX_REASONS - Reasons.DROPPED.size();
    assertThat(value(e, "streamfold_dropped_total", Map.of("unit", "log_record", "reason", "other")))
        .isEqualTo(distinct + 1 - named);
  }

  @Test
  void aGaugeRegisteredTwiceKeepsTheFirstSupplier() throws Exception {
    m.gauge("streamfold.open_streams", "Open streams.", () -> 1);
    m.gauge("streamfold.open_streams", "Open streams.", () -> 2);

    assertThat(value(scrape(), "streamfold_open_streams", Map.of())).isEqualTo(1);
  }
}
