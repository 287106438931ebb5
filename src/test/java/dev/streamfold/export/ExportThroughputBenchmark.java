package dev.streamfold.export;

import static dev.streamfold.config.TestConfig.set;
import static org.awaitility.Awaitility.await;

import dev.streamfold.config.TestConfig;
import dev.streamfold.telemetry.InMemoryMetrics;
import dev.streamfold.config.ExporterConfig;
import dev.streamfold.pipeline.Admission;
import dev.streamfold.pipeline.Signal;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Rough end-to-end throughput, opt-in: {@code -Dsurefire.excludedGroups= -Dtest=ExportThroughputBenchmark}. */
@Tag("benchmark")
class ExportThroughputBenchmark {
  @TempDir Path dir;

  private void run(String name, ExporterConfig cfg, GrpcTestServer server) throws Exception {
    int spans = 200_000;
    ResourceSpans one = TestData.resourceSpans(1);
    InMemoryMetrics m = new InMemoryMetrics();
    ExportPipeline p = ExportPipeline.create(cfg, m);
    p.start();
    long t0 = System.nanoTime();
    int refused = 0;
    for (int i = 0; i < spans; i++) {
      while (p.check(0, 1) != Admission.Verdict.ADMIT) {
        Thread.onSpinWait();
      }
      if (!p.offerSpans(List.of(one), 1)) {
        refused++;
      }
    }
    long offered = System.nanoTime() - t0;
    final int expected = spans - refused;
    await().atMost(Duration.ofMinutes(2)).until(() -> m.get("exported.traces") == expected);
    long total = System.nanoTime() - t0;
    p.shutdown(Duration.ofSeconds(5));
    System.out.printf("%s: %d spans (%d bytes each), offer loop %.0f ms, all exported after %.0f ms = %.0f spans/s, server counted %d%n",
        name, spans, one.getSerializedSize(), offered / 1e6, total / 1e6, spans / (total / 1e9), server.traceSpans.get());
  }

  @Test
  void grpcInMemoryAndPersistent() throws Exception {
    ((ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME)).setLevel(ch.qos.logback.classic.Level.INFO);
    try (GrpcTestServer server = new GrpcTestServer()) {
      server.keepTraces = false;
      ExporterConfig cfg = Configs.of("otlp_grpc", server.endpoint());
      cfg = TestConfig.with(cfg, "queue.capacity_items=200000");
      run("grpc memory queue (warm-up)", cfg, server);
      server.traceSpans.set(0);
      run("grpc memory queue", cfg, server);
      server.traceSpans.set(0);
      cfg = TestConfig.with(cfg, "queue.persistent.enabled=true", set("queue.persistent.directory", dir.resolve("q").toString()));
      run("grpc persistent queue", cfg, server);
    }
  }
}
