package dev.streamfold.export;

import static dev.streamfold.config.TestConfig.set;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.streamfold.config.ExporterConfig;
import dev.streamfold.config.TestConfig;
import dev.streamfold.pipeline.Admission;
import dev.streamfold.telemetry.InMemoryMetrics;
import dev.streamfold.telemetry.Reasons;
import io.grpc.Status;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Several exporters at once (issue 14), each to its own real gRPC downstream: each has its own
 * queue, retry and counters, so a down downstream neither stalls nor refuses the healthy one,
 * and the conservation law holds per exporter (exported + failed + queued = offered).
 */
class FanOutTest {
  private final InMemoryMetrics metrics = new InMemoryMetrics();
  private GrpcTestServer up;
  private GrpcTestServer down;
  private ExportPipeline p;

  @BeforeEach
  void start() throws Exception {
    up = new GrpcTestServer();
    down = new GrpcTestServer();
    down.defaultAnswer = GrpcTestServer.Answer.error(Status.Code.UNAVAILABLE);
  }

  @AfterEach
  void stop() throws Exception {
    if (p != null) {
      p.shutdown(Duration.ofSeconds(2));
    }
    up.close();
    down.close();
  }

  private ExportPipeline pipeline(long capacity) throws Exception {
    Map<String, ExporterConfig> exporters = new LinkedHashMap<>();
    for (Map.Entry<String, GrpcTestServer> e : Map.of("otlp/tempo", up, "otlp/backup", down).entrySet()) {
      ExporterConfig c = Configs.of("otlp_grpc", e.getValue().endpoint());
      c = TestConfig.with(c, set("queue.capacity_items", capacity), "batch.max_size=10");
      exporters.put(e.getKey(), c);
    }
    ExportPipeline pipeline = ExportPipeline.create(exporters, metrics);
    pipeline.start();
    return pipeline;
  }

  private long queued(String exporter) {
    return (long) metrics.gaugeValue(ExportPipeline.QUEUE_SIZE_GAUGE, "exporter", exporter);
  }

  private long accounted(String exporter) {
    String k = "exporter." + exporter + ".";
    return metrics.get(k + "exported.traces") + metrics.sum(k + "export_failed.traces.") + queued(exporter);
  }

  @Test
  void aDownExporterNeitherStallsNorRefusesTheHealthyOneAndEachKeepsItsBooks() throws Exception {
    p = pipeline(100); // admission mark 90 items per exporter
    long offered = 0;
    for (int i = 0; i < 30; i++) { // 300 spans: three times what the down exporter's queue holds
      assertThat(p.check(0, 10)).as("offer %d", i).isEqualTo(Admission.Verdict.ADMIT);
      p.offerSpans(List.of(TestData.resourceSpans(10)), 10);
      offered += 10;
      final long o = offered;
      await().until(() -> metrics.get("exporter.otlp/tempo.exported.traces") == o); // the healthy one keeps up
    }
    assertThat(up.allResourceSpans()).hasSize(30);
    assertThat(queued("otlp/backup")).isEqualTo(100); // full, retrying
    assertThat(metrics.get("exporter.otlp/backup.export_failed.traces." + Reasons.QUEUE_FULL)).isEqualTo(200);
    assertThat(metrics.get("exporter.otlp/tempo.export_failed.traces." + Reasons.QUEUE_FULL)).isZero();
    assertThat(accounted("otlp/tempo")).isEqualTo(offered);
    assertThat(accounted("otlp/backup")).isEqualTo(offered);

    down.defaultAnswer = GrpcTestServer.Answer.ok(); // the backup comes back: what it held arrives
    await().until(() -> metrics.get("exporter.otlp/backup.exported.traces") == 100);
    assertThat(queued("otlp/backup")).isZero();
    assertThat(accounted("otlp/backup")).isEqualTo(offered);
    assertThat(accounted("otlp/tempo")).isEqualTo(offered);
  }

  @Test
  void whenEveryExporterIsFailingAFullQueueRefusesAndATooLargeRequestIsNeverAdmitted() throws Exception {
    up.defaultAnswer = GrpcTestServer.Answer.error(Status.Code.UNAVAILABLE);
    p = pipeline(100);
    assertThat(p.check(0, 91)).isEqualTo(Admission.Verdict.NEVER);
    int offers = 0;
    while (p.check(0, 10) == Admission.Verdict.ADMIT && offers < 20) {
      p.offerSpans(List.of(TestData.resourceSpans(10)), 10);
      offers++;
      final int n = offers;
      await().until(() -> queued("otlp/tempo") == n * 10L && queued("otlp/backup") == n * 10L);
    }
    assertThat(offers).isEqualTo(9); // the admission mark, as with one exporter: nothing dropped
    assertThat(metrics.sum("export_failed.")).isZero();
    assertThat(p.check(0, 10)).isEqualTo(Admission.Verdict.RETRY_LATER);
  }
}
