package dev.streamfold.export;

import static dev.streamfold.config.TestConfig.set;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.streamfold.config.TestConfig;
import dev.streamfold.telemetry.InMemoryMetrics;
import dev.streamfold.config.ExporterConfig;
import dev.streamfold.pipeline.Admission;
import dev.streamfold.pipeline.Signal;
import dev.streamfold.telemetry.Reasons;
import dev.streamfold.time.ManualClock;
import io.grpc.Metadata;
import io.grpc.Status;
import io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.logs.v1.ResourceLogs;
import io.opentelemetry.proto.metrics.v1.ResourceMetrics;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class GrpcExportTest {
  private static final Set<Status.Code> RETRYABLE =
      EnumSet.of(Status.Code.CANCELLED, Status.Code.DEADLINE_EXCEEDED, Status.Code.ABORTED, Status.Code.OUT_OF_RANGE, Status.Code.UNAVAILABLE, Status.Code.DATA_LOSS);

  private final List<AutoCloseable> closeables = new ArrayList<>();
  private final InMemoryMetrics metrics = new InMemoryMetrics();
  private final ManualClock time = new ManualClock();

  @AfterEach
  void tearDown() throws Exception {
    for (int i = closeables.size() - 1; i >= 0; i--) {
      closeables.get(i).close();
    }
  }

  private GrpcTestServer server() throws Exception {
    GrpcTestServer s = new GrpcTestServer();
    closeables.add(s);
    return s;
  }

  private ExportPipeline start(ExporterConfig cfg, boolean fakeTime) throws Exception {
    ExportPipeline.Builder b = ExportPipeline.builder(cfg, metrics);
    if (fakeTime) {
      b.clock(time);
    }
    ExportPipeline p = b.build();
    p.start();
    closeables.add(() -> p.shutdown(Duration.ofSeconds(5)));
    return p;
  }

  private static String header(Metadata md, String name) {
    return md.get(Metadata.Key.of(name, Metadata.ASCII_STRING_MARSHALLER));
  }

  @Test
  void allSignalsArriveByteForByteWithHeadersAndGzip() throws Exception {
    GrpcTestServer server = server();
    ExporterConfig cfg = Configs.of("otlp_grpc", server.endpoint());
    cfg = TestConfig.with(cfg, "otlp.headers.X-Tenant=acme", set("otlp.headers.authorization", "Bearer s3cret"));
    ExportPipeline p = start(cfg, true);

    ResourceSpans rs = TestData.resourceSpans(3);
    ResourceLogs rl = TestData.resourceLogs(2);
    ResourceMetrics rm = TestData.resourceMetrics(4);
    assertThat(p.offerSpans(List.of(rs), 3)).isTrue();
    assertThat(p.offerLogs(List.of(rl), 2)).isTrue();
    assertThat(p.offerMetrics(List.of(rm), 5)).isTrue();

    await().until(() -> server.traces.size() == 1 && server.logs.size() == 1 && server.metrics.size() == 1);
    assertThat(server.traces.get(0)).isEqualTo(ExportTraceServiceRequest.newBuilder().addResourceSpans(rs).build());
    assertThat(server.traces.get(0).toByteArray()).isEqualTo(ExportTraceServiceRequest.newBuilder().addResourceSpans(rs).build().toByteArray());
    assertThat(server.logs.get(0)).isEqualTo(ExportLogsServiceRequest.newBuilder().addResourceLogs(rl).build());
    assertThat(server.metrics.get(0)).isEqualTo(ExportMetricsServiceRequest.newBuilder().addResourceMetrics(rm).build());
    assertThat(server.headers).hasSize(3).allSatisfy(md -> {
      assertThat(header(md, "x-tenant")).isEqualTo("acme");
      assertThat(header(md, "authorization")).isEqualTo("Bearer s3cret");
      assertThat(header(md, "grpc-encoding")).isEqualTo("gzip");
    });
    await().until(() -> metrics.get("exported.metrics") == 5 && metrics.get("exported.logs") == 2 && metrics.get("exported.traces") == 3);
    assertThat(metrics.sum("export_failed.")).isZero();
    assertThat(TestData.queued(metrics)).isZero();
  }

  @Test
  void compressionNoneSendsUncompressed() throws Exception {
    GrpcTestServer server = server();
    ExporterConfig cfg = Configs.of("otlp_grpc", server.endpoint());
    cfg = TestConfig.with(cfg, "otlp.compression=none");
    ExportPipeline p = start(cfg, true);
    p.offerSpans(List.of(TestData.resourceSpans(1)), 1);
    await().until(() -> server.traces.size() == 1);
    assertThat(header(server.headers.get(0), "grpc-encoding")).isNull();
  }

  @Test
  void perSignalEndpointsAreUsed() throws Exception {
    GrpcTestServer a = server();
    GrpcTestServer b = server();
    ExporterConfig cfg = Configs.of("otlp_grpc", "", set("otlp.traces_endpoint", a.endpoint()),
        set("otlp.logs_endpoint", "http://" + b.endpoint()), set("otlp.metrics_endpoint", b.endpoint()));
    ExportPipeline p = start(cfg, true);
    p.offerSpans(List.of(TestData.resourceSpans(1)), 1);
    p.offerLogs(List.of(TestData.resourceLogs(1)), 1);
    await().until(() -> a.traces.size() == 1 && b.logs.size() == 1);
    assertThat(a.logs).isEmpty();
    assertThat(b.traces).isEmpty();
  }

  @ParameterizedTest
  @EnumSource(value = Status.Code.class, names = "OK", mode = EnumSource.Mode.EXCLUDE)
  void eachStatusCodeIsRetriedOrDroppedPerSpec(Status.Code code) throws Exception {
    GrpcTestServer server = server();
    server.script.add(GrpcTestServer.Answer.error(code));
    ExportPipeline p = start(Configs.of("otlp_grpc", server.endpoint()), true);
    p.offerSpans(List.of(TestData.resourceSpans(2)), 2);

    if (RETRYABLE.contains(code)) {
      await().until(() -> metrics.get("exported.traces") == 2);
      assertThat(server.traces).hasSize(2);
      assertThat(server.traces.get(1)).isEqualTo(server.traces.get(0));
      assertThat(time.sleeps()).hasSize(1);
      assertThat(metrics.sum("export_failed.")).isZero();
    } else {
      await().until(() -> metrics.get("export_failed.traces." + Reasons.NON_RETRYABLE) == 2);
      assertThat(server.traces).hasSize(1);
      assertThat(time.sleeps()).isEmpty();
      assertThat(metrics.get("exported.traces")).isZero();
    }
    await().until(() -> TestData.queued(metrics) == 0);
  }

  @Test
  void resourceExhaustedWithRetryInfoIsRetriedAfterTheHint() throws Exception {
    GrpcTestServer server = server();
    server.script.add(GrpcTestServer.Answer.error(Status.Code.RESOURCE_EXHAUSTED, Duration.ofMillis(2500)));
    ExportPipeline p = start(Configs.of("otlp_grpc", server.endpoint()), true);
    p.offerSpans(List.of(TestData.resourceSpans(1)), 1);
    await().until(() -> metrics.get("exported.traces") == 1);
    assertThat(server.traces).hasSize(2);
    assertThat(time.sleeps()).containsExactly(Duration.ofMillis(2500));
  }

  @Test
  void retryInfoOnUnavailableReplacesTheBackoff() throws Exception {
    GrpcTestServer server = server();
    server.script.add(GrpcTestServer.Answer.error(Status.Code.UNAVAILABLE, Duration.ofSeconds(7)));
    server.script.add(GrpcTestServer.Answer.error(Status.Code.UNAVAILABLE));
    ExportPipeline p = start(Configs.of("otlp_grpc", server.endpoint()), true);
    p.offerSpans(List.of(TestData.resourceSpans(1)), 1);
    await().until(() -> metrics.get("exported.traces") == 1);
    assertThat(time.sleeps()).hasSize(2);
    assertThat(time.sleeps().get(0)).isEqualTo(Duration.ofSeconds(7));
    // without a hint: the configured backoff (10 ms initial, jitter 0.5-1.5x, max 50 ms)
    assertThat(time.sleeps().get(1)).isBetween(Duration.ofMillis(5), Duration.ofMillis(50));
  }

  @Test
  void retriesStopAfterMaxElapsedTime() throws Exception {
    GrpcTestServer server = server();
    server.defaultAnswer = GrpcTestServer.Answer.error(Status.Code.UNAVAILABLE);
    ExporterConfig cfg = Configs.of("otlp_grpc", server.endpoint());
    cfg = TestConfig.with(cfg, "retry.initial_interval=1s", "retry.max_interval=4s", "retry.multiplier=2", "retry.max_elapsed_time=30s");
    ExportPipeline p = start(cfg, true);
    p.offerSpans(List.of(TestData.resourceSpans(3)), 3);
    await().until(() -> metrics.get("export_failed.traces." + Reasons.RETRIES_EXHAUSTED) == 3);
    assertThat(server.traces).hasSize(time.sleeps().size() + 1);
    assertThat(time.sleeps().size()).isGreaterThan(5);
    Duration total = time.sleeps().stream().reduce(Duration.ZERO, Duration::plus);
    assertThat(total).isLessThanOrEqualTo(Duration.ofSeconds(30));
    assertThat(time.sleeps()).allSatisfy(d -> assertThat(d).isLessThanOrEqualTo(Duration.ofSeconds(4)));
    assertThat(metrics.get("exported.traces")).isZero();
    assertThat(TestData.queued(metrics)).isZero();
  }

  @Test
  void aHintBeyondTheRetryBudgetGivesUpAtOnce() throws Exception {
    GrpcTestServer server = server();
    server.script.add(GrpcTestServer.Answer.error(Status.Code.UNAVAILABLE, Duration.ofMinutes(10)));
    ExporterConfig cfg = Configs.of("otlp_grpc", server.endpoint());
    cfg = TestConfig.with(cfg, "retry.max_elapsed_time=5m");
    ExportPipeline p = start(cfg, true);
    p.offerSpans(List.of(TestData.resourceSpans(1)), 1);
    await().until(() -> metrics.get("export_failed.traces." + Reasons.RETRIES_EXHAUSTED) == 1);
    assertThat(server.traces).hasSize(1);
    assertThat(time.sleeps()).isEmpty();
  }

  @Test
  void partialSuccessRejectionsAreCounted() throws Exception {
    GrpcTestServer server = server();
    server.script.add(GrpcTestServer.Answer.partial(2));
    ExportPipeline p = start(Configs.of("otlp_grpc", server.endpoint()), true);
    p.offerSpans(List.of(TestData.resourceSpans(5)), 5);
    await().until(() -> metrics.get("export_rejected.traces") == 2 && metrics.get("exported.traces") == 3);
    assertThat(server.traces).hasSize(1);
  }

  @Test
  void downstreamDownForAWhileThenBackLosesNothing() throws Exception {
    GrpcTestServer first = new GrpcTestServer();
    int port = first.port();
    first.close();
    ExporterConfig cfg = Configs.of("otlp_grpc", "127.0.0.1:" + port);
    RecordingExporter rec = new RecordingExporter(Exporters.create(cfg, time));
    ExportPipeline p = ExportPipeline.builder(cfg, metrics).exporter(rec).build();
    p.start();
    closeables.add(() -> p.shutdown(Duration.ofSeconds(5)));
    List<String> sent = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      ResourceSpans rs = TestData.resourceSpans(5);
      sent.addAll(TestData.spanNameList(List.of(rs)));
      assertThat(p.offerSpans(List.of(rs), 5)).isTrue();
    }
    await().until(() -> rec.count(ExportOutcome.Kind.RETRYABLE) >= 5);
    assertThat(metrics.get("exported.traces")).isZero();
    assertThat(TestData.queued(metrics)).isEqualTo(50);

    GrpcTestServer back = new GrpcTestServer(port);
    closeables.add(back);
    await().atMost(Duration.ofSeconds(30)).until(() -> metrics.get("exported.traces") == 50);
    assertThat(TestData.spanNames(back.allResourceSpans())).containsExactlyInAnyOrderElementsOf(sent);
    assertThat(metrics.sum("export_failed.")).isZero();
    assertThat(TestData.queued(metrics)).isZero();
  }

  @Test
  void slowDownstreamFillsTheQueueThenRecoversWithoutLoss() throws Exception {
    GrpcTestServer server = server();
    server.hold();
    ExporterConfig cfg = Configs.of("otlp_grpc", server.endpoint());
    cfg = TestConfig.with(cfg, "queue.capacity_items=100", "queue.admission_reserve=0.1", "queue.consumers=1", "batch.max_size=10");
    ExportPipeline p = start(cfg, false);

    List<String> sent = new ArrayList<>();
    int offers = 0;
    while (p.check(0, 10) == Admission.Verdict.ADMIT && offers < 50) {
      ResourceSpans rs = TestData.resourceSpans(10);
      sent.addAll(TestData.spanNameList(List.of(rs)));
      assertThat(p.offerSpans(List.of(rs), 10)).isTrue();
      offers++;
    }
    assertThat(p.check(0, 10)).isEqualTo(Admission.Verdict.RETRY_LATER);
    assertThat(TestData.queued(metrics)).isEqualTo(90);
    assertThat(TestData.gauge(metrics, ExportPipeline.QUEUE_SIZE_GAUGE)).isEqualTo(90.0);
    assertThat(TestData.gauge(metrics, ExportPipeline.QUEUE_CAPACITY_GAUGE)).isEqualTo(100.0);
    await().until(() -> server.heldCount() == 1); // one request in flight, the rest waits in the queue

    // the reserve above the admission watermark still takes what the window emits itself
    ResourceSpans reserve = TestData.resourceSpans(10);
    sent.addAll(TestData.spanNameList(List.of(reserve)));
    assertThat(p.offerSpans(List.of(reserve), 10)).isTrue();
    // over the hard capacity: dropped and counted, never blocking
    assertThat(p.offerSpans(List.of(TestData.resourceSpans(5)), 5)).isFalse();
    assertThat(metrics.get("export_failed.traces." + Reasons.QUEUE_FULL)).isEqualTo(5);

    server.release();
    await().until(() -> metrics.get("exported.traces") == 100);
    assertThat(TestData.queued(metrics)).isZero();
    assertThat(p.check(0, 10)).isEqualTo(Admission.Verdict.ADMIT);
    assertThat(TestData.spanNames(server.allResourceSpans())).containsExactlyInAnyOrderElementsOf(sent);
    assertThat(metrics.sum("export_failed.")).isEqualTo(5);
  }

  @Test
  void batchesBySizeAndFlushesTheRestAtShutdown() throws Exception {
    GrpcTestServer server = server();
    ExporterConfig cfg = Configs.of("otlp_grpc", server.endpoint());
    cfg = TestConfig.with(cfg, "batch.max_size=10", "batch.timeout=5m");
    ExportPipeline p = ExportPipeline.builder(cfg, metrics).build();
    p.start();
    for (int i = 0; i < 25; i++) {
      p.offerSpans(List.of(TestData.resourceSpans(1)), 1);
    }
    await().until(() -> server.traces.size() == 2);
    assertThat(server.traces).allSatisfy(r -> assertThat(r.getResourceSpansCount()).isEqualTo(10));
    p.shutdown(Duration.ofSeconds(10));
    assertThat(server.traces).hasSize(3);
    assertThat(server.traces.get(2).getResourceSpansCount()).isEqualTo(5);
    assertThat(metrics.get("exported.traces")).isEqualTo(25);
  }

  @Test
  void largeOfferIsSplitKeepingResourceAndScope() throws Exception {
    GrpcTestServer server = server();
    ExporterConfig cfg = Configs.of("otlp_grpc", server.endpoint());
    cfg = TestConfig.with(cfg, "batch.max_size=10", "batch.timeout=5m", "queue.consumers=1");
    ExportPipeline p = ExportPipeline.builder(cfg, metrics).build();
    p.start();
    ResourceSpans big = TestData.resourceSpans(25);
    assertThat(p.offerSpans(List.of(big), 25)).isTrue();
    p.shutdown(Duration.ofSeconds(10));
    assertThat(server.traces).hasSize(3);
    List<Integer> sizes = server.traces.stream().map(r -> r.getResourceSpans(0).getScopeSpans(0).getSpansCount()).sorted().toList();
    assertThat(sizes).containsExactly(5, 10, 10);
    assertThat(server.allResourceSpans()).allSatisfy(rs -> {
      assertThat(rs.getResource()).isEqualTo(big.getResource());
      assertThat(rs.getSchemaUrl()).isEqualTo(big.getSchemaUrl());
      assertThat(rs.getScopeSpans(0).getScope()).isEqualTo(big.getScopeSpans(0).getScope());
    });
    assertThat(TestData.spanNames(server.allResourceSpans())).containsExactlyInAnyOrderElementsOf(TestData.spanNames(List.of(big)));
    assertThat(metrics.get("exported.traces")).isEqualTo(25);
  }

  @Test
  void batchTimeoutSendsAPartialBatch() throws Exception {
    GrpcTestServer server = server();
    ExporterConfig cfg = Configs.of("otlp_grpc", server.endpoint());
    cfg = TestConfig.with(cfg, "batch.max_size=1000", "batch.timeout=50ms");
    ExportPipeline p = start(cfg, true);
    for (int i = 0; i < 3; i++) {
      p.offerSpans(List.of(TestData.resourceSpans(1)), 1);
    }
    // far below max_size: only the timeout can have sealed these
    await().until(() -> server.allResourceSpans().size() == 3);
    await().until(() -> metrics.get("exported.traces") == 3);
  }

  @Test
  void shutdownCountsWhatCannotBeDeliveredAndRefusesLaterOffers() throws Exception {
    GrpcTestServer server = server();
    server.hold();
    ExporterConfig cfg = Configs.of("otlp_grpc", server.endpoint());
    ExportPipeline p = ExportPipeline.builder(cfg, metrics).build();
    p.start();
    p.offerSpans(List.of(TestData.resourceSpans(4)), 4);
    p.offerLogs(List.of(TestData.resourceLogs(3)), 3);
    await().until(() -> server.heldCount() == 2);
    p.shutdown(Duration.ofMillis(200));
    assertThat(metrics.get("export_failed.traces." + Reasons.SHUTDOWN)).isEqualTo(4);
    assertThat(metrics.get("export_failed.logs." + Reasons.SHUTDOWN)).isEqualTo(3);
    assertThat(TestData.queued(metrics)).isZero();
    assertThat(p.offerSpans(List.of(TestData.resourceSpans(2)), 2)).isFalse();
    assertThat(metrics.get("export_failed.traces." + Reasons.SHUTDOWN)).isEqualTo(6);
    assertThat(p.check(0, 1)).isEqualTo(Admission.Verdict.RETRY_LATER);
  }
}
