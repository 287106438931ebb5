package dev.streamfold.export;

import static dev.streamfold.config.TestConfig.set;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.streamfold.config.TestConfig;
import dev.streamfold.telemetry.InMemoryMetrics;
import dev.streamfold.config.ExporterConfig;
import dev.streamfold.pipeline.Signal;
import dev.streamfold.telemetry.Reasons;
import dev.streamfold.time.ManualClock;
import io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTracePartialSuccess;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;
import io.opentelemetry.proto.logs.v1.ResourceLogs;
import io.opentelemetry.proto.metrics.v1.ResourceMetrics;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import java.net.ServerSocket;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class HttpExportTest {
  private final List<AutoCloseable> closeables = new ArrayList<>();
  private final InMemoryMetrics metrics = new InMemoryMetrics();
  private ManualClock time = new ManualClock();

  @AfterEach
  void tearDown() throws Exception {
    for (int i = closeables.size() - 1; i >= 0; i--) {
      closeables.get(i).close();
    }
  }

  private HttpTestServer server() throws Exception {
    HttpTestServer s = new HttpTestServer();
    closeables.add(s);
    return s;
  }

  private ExportPipeline start(ExporterConfig cfg, RecordingExporter[] rec) throws Exception {
    RecordingExporter r = new RecordingExporter(Exporters.create(cfg, time));
    if (rec != null) {
      rec[0] = r;
    }
    ExportPipeline p = ExportPipeline.builder(cfg, metrics).exporter(r).clock(time).build();
    p.start();
    closeables.add(() -> p.shutdown(Duration.ofSeconds(5)));
    return p;
  }

  private ExportPipeline start(ExporterConfig cfg) throws Exception {
    return start(cfg, null);
  }

  @Test
  void allSignalsArriveByteForByteGzippedWithHeaders() throws Exception {
    HttpTestServer server = server();
    ExporterConfig cfg = Configs.of("otlp_http", server.baseUrl() + "/");
    cfg = TestConfig.with(cfg, "otlp.headers.X-Tenant=acme", set("otlp.headers.Authorization", "Bearer s3cret"));
    ExportPipeline p = start(cfg);
    ResourceSpans rs = TestData.resourceSpans(3);
    ResourceLogs rl = TestData.resourceLogs(2);
    ResourceMetrics rm = TestData.resourceMetrics(1);
    p.offerSpans(List.of(rs), 3);
    p.offerLogs(List.of(rl), 2);
    p.offerMetrics(List.of(rm), 2);
    await().until(() -> metrics.get("exported.traces") == 3 && metrics.get("exported.logs") == 2 && metrics.get("exported.metrics") == 2);

    assertThat(server.received).extracting(HttpTestServer.Received::path).containsExactlyInAnyOrder("/v1/traces", "/v1/logs", "/v1/metrics");
    for (HttpTestServer.Received r : server.received) {
      assertThat(r.header("Content-Type")).isEqualTo("application/x-protobuf");
      assertThat(r.header("Content-Encoding")).isEqualTo("gzip");
      assertThat(r.raw()[0]).isEqualTo((byte) 0x1f);
      assertThat(r.raw()[1]).isEqualTo((byte) 0x8b);
      assertThat(r.header("X-Tenant")).isEqualTo("acme");
      assertThat(r.header("Authorization")).isEqualTo("Bearer s3cret");
      switch (r.path()) {
        case "/v1/traces" -> assertThat(r.body()).isEqualTo(ExportTraceServiceRequest.newBuilder().addResourceSpans(rs).build().toByteArray());
        case "/v1/logs" -> assertThat(r.body()).isEqualTo(ExportLogsServiceRequest.newBuilder().addResourceLogs(rl).build().toByteArray());
        default -> assertThat(ExportMetricsServiceRequest.parseFrom(r.body())).isEqualTo(ExportMetricsServiceRequest.newBuilder().addResourceMetrics(rm).build());
      }
    }
    assertThat(metrics.sum("export_failed.")).isZero();
  }

  @Test
  void uncompressedAndPerSignalUrlAsGiven() throws Exception {
    HttpTestServer server = server();
    ExporterConfig cfg = Configs.of("otlp_http", server.baseUrl());
    cfg = TestConfig.with(cfg, "otlp.compression=none", set("otlp.traces_endpoint", server.baseUrl() + "/custom/path"));
    ExportPipeline p = start(cfg);
    ResourceSpans rs = TestData.resourceSpans(1);
    p.offerSpans(List.of(rs), 1);
    p.offerLogs(List.of(TestData.resourceLogs(1)), 1);
    await().until(() -> server.received.size() == 2);
    assertThat(server.received).extracting(HttpTestServer.Received::path).containsExactlyInAnyOrder("/custom/path", "/v1/logs");
    HttpTestServer.Received t = server.received.stream().filter(r -> r.path().equals("/custom/path")).findFirst().orElseThrow();
    assertThat(t.header("Content-Encoding")).isNull();
    assertThat(t.raw()).isEqualTo(ExportTraceServiceRequest.newBuilder().addResourceSpans(rs).build().toByteArray());
  }

  @ParameterizedTest
  @ValueSource(ints = {429, 502, 503, 504})
  void retryableStatusWithoutHintUsesBackoff(int status) throws Exception {
    HttpTestServer server = server();
    server.script.add(HttpTestServer.Answer.of(status));
    ExportPipeline p = start(Configs.of("otlp_http", server.baseUrl()));
    p.offerSpans(List.of(TestData.resourceSpans(2)), 2);
    await().until(() -> metrics.get("exported.traces") == 2);
    assertThat(server.received).hasSize(2);
    assertThat(server.received.get(1).body()).isEqualTo(server.received.get(0).body());
    assertThat(time.sleeps()).singleElement().satisfies(d -> assertThat(d).isBetween(Duration.ofMillis(5), Duration.ofMillis(50)));
    assertThat(metrics.sum("export_failed.")).isZero();
  }

  @ParameterizedTest
  @ValueSource(ints = {429, 502, 503, 504})
  void retryableStatusHonoursRetryAfterSeconds(int status) throws Exception {
    HttpTestServer server = server();
    server.script.add(HttpTestServer.Answer.retryAfter(status, "3"));
    ExportPipeline p = start(Configs.of("otlp_http", server.baseUrl()));
    p.offerSpans(List.of(TestData.resourceSpans(1)), 1);
    await().until(() -> metrics.get("exported.traces") == 1);
    assertThat(time.sleeps()).containsExactly(Duration.ofSeconds(3));
  }

  @Test
  void retryAfterHttpDateIsRelativeToTheClock() throws Exception {
    HttpTestServer server = server();
    Instant now = Instant.parse("2025-06-01T12:00:00Z");
    server.script.add(HttpTestServer.Answer.retryAfter(503, DateTimeFormatter.RFC_1123_DATE_TIME.format(now.plusSeconds(12).atZone(ZoneOffset.UTC))));
    time = new ManualClock(now);
    ExportPipeline p = start(Configs.of("otlp_http", server.baseUrl()));
    p.offerSpans(List.of(TestData.resourceSpans(1)), 1);
    await().until(() -> metrics.get("exported.traces") == 1);
    assertThat(time.sleeps()).containsExactly(Duration.ofSeconds(12));
  }

  @Test
  void retryAfterParsing() {
    ManualClock c = new ManualClock(Instant.parse("2025-06-01T12:00:00Z"));
    assertThat(HttpExporter.retryAfter("120", c)).isEqualTo(Duration.ofMinutes(2));
    assertThat(HttpExporter.retryAfter(" 0 ", c)).isEqualTo(Duration.ZERO);
    assertThat(HttpExporter.retryAfter("Sun, 01 Jun 2025 11:00:00 GMT", c)).isEqualTo(Duration.ZERO);
    assertThat(HttpExporter.retryAfter("Sun, 01 Jun 2025 12:01:00 GMT", c)).isEqualTo(Duration.ofMinutes(1));
    assertThat(HttpExporter.retryAfter("soon", c)).isNull();
    assertThat(HttpExporter.retryAfter("-5", c)).isNull();
    assertThat(HttpExporter.retryAfter(null, c)).isNull();
  }

  @ParameterizedTest
  @ValueSource(ints = {400, 401, 403, 404, 415, 500, 501})
  void otherErrorsAreDroppedOnceAndCounted(int status) throws Exception {
    HttpTestServer server = server();
    server.script.add(HttpTestServer.Answer.of(status));
    ExportPipeline p = start(Configs.of("otlp_http", server.baseUrl()));
    p.offerSpans(List.of(TestData.resourceSpans(3)), 3);
    await().until(() -> metrics.get("export_failed.traces." + Reasons.NON_RETRYABLE) == 3);
    assertThat(server.received).hasSize(1);
    assertThat(time.sleeps()).isEmpty();
    assertThat(metrics.get("exported.traces")).isZero();
    assertThat(TestData.queued(metrics)).isZero();
  }

  @Test
  void errorStatusMessageIsReported() throws Exception {
    HttpTestServer server = server();
    byte[] status = com.google.rpc.Status.newBuilder().setCode(3).setMessage("span 7 has a bad id").build().toByteArray();
    server.script.add(new HttpTestServer.Answer(400, null, "application/x-protobuf", status));
    RecordingExporter[] rec = new RecordingExporter[1];
    ExportPipeline p = start(Configs.of("otlp_http", server.baseUrl()), rec);
    p.offerSpans(List.of(TestData.resourceSpans(1)), 1);
    await().until(() -> rec[0].outcomes.size() == 1);
    assertThat(rec[0].outcomes.get(0).message()).isEqualTo("http 400: span 7 has a bad id");
  }

  @Test
  void partialSuccessInTheResponseBodyIsCounted() throws Exception {
    HttpTestServer server = server();
    byte[] body = ExportTraceServiceResponse.newBuilder().setPartialSuccess(ExportTracePartialSuccess.newBuilder().setRejectedSpans(1).setErrorMessage("one bad")).build().toByteArray();
    server.defaultAnswer = r -> new HttpTestServer.Answer(200, null, "application/x-protobuf", body);
    ExportPipeline p = start(Configs.of("otlp_http", server.baseUrl()));
    p.offerSpans(List.of(TestData.resourceSpans(4)), 4);
    await().until(() -> metrics.get("export_rejected.traces") == 1 && metrics.get("exported.traces") == 3);
  }

  @Test
  void connectionRefusedIsRetriedUntilTheBudgetIsSpent() throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      port = s.getLocalPort();
    }
    ExporterConfig cfg = Configs.of("otlp_http", "http://127.0.0.1:" + port);
    cfg = TestConfig.with(cfg, "retry.initial_interval=1s", "retry.max_interval=2s", "retry.max_elapsed_time=10s");
    RecordingExporter[] rec = new RecordingExporter[1];
    ExportPipeline p = start(cfg, rec);
    p.offerSpans(List.of(TestData.resourceSpans(2)), 2);
    await().until(() -> metrics.get("export_failed.traces." + Reasons.RETRIES_EXHAUSTED) == 2);
    assertThat(rec[0].outcomes).hasSizeGreaterThan(3).allSatisfy(o -> assertThat(o.kind()).isEqualTo(ExportOutcome.Kind.RETRYABLE));
  }

  @Test
  void metricsArePostedToTheMetricsPath() throws Exception {
    HttpTestServer server = server();
    ExportPipeline p = start(Configs.of("otlp_http", server.baseUrl()));
    ResourceMetrics rm = TestData.resourceMetrics(2);
    byte[] req = ExportMetricsServiceRequest.newBuilder().addResourceMetrics(rm).build().toByteArray();
    assertThat(p.offerMetrics(List.of(rm), 3)).isTrue();
    await().until(() -> metrics.get("exported.metrics") == 3);
    assertThat(server.received).singleElement().satisfies(r -> {
      assertThat(r.path()).isEqualTo("/v1/metrics");
      assertThat(r.body()).isEqualTo(req);
    });
    assertThat(metrics.get("exported.metrics")).isEqualTo(3);
  }

  private static List<Integer> spansPerRequest(HttpTestServer server) throws Exception {
    List<Integer> out = new java.util.ArrayList<>();
    for (HttpTestServer.Received r : server.received) {
      out.add(TestData.spanNameList(io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest.parseFrom(r.body()).getResourceSpansList()).size());
    }
    return out;
  }

  @Test
  void status413SplitsTheBatchAndSendsTheHalves() throws Exception {
    HttpTestServer server = server();
    server.script.add(HttpTestServer.Answer.of(413));
    ExportPipeline p = start(Configs.of("otlp_http", server.baseUrl()));
    p.offerSpans(List.of(TestData.resourceSpans(4)), 4);
    await().until(() -> metrics.get("exported.traces") == 4);
    assertThat(spansPerRequest(server)).containsExactly(4, 2, 2); // the batch, then its halves
    assertThat(metrics.sum("export_failed.")).isZero();
    assertThat(time.sleeps()).isEmpty(); // split at once, no backoff
  }

  @Test
  void aSingleItemRefusedWith413IsDroppedAsTooLarge() throws Exception {
    HttpTestServer server = server();
    server.defaultAnswer = r -> HttpTestServer.Answer.of(413);
    ExportPipeline p = start(Configs.of("otlp_http", server.baseUrl()));
    p.offerSpans(List.of(TestData.resourceSpans(3)), 3);
    await().until(() -> metrics.get("export_failed.traces." + Reasons.TOO_LARGE) == 3);
    // 3 -> 1 + 2 -> 1 + 1: five attempts, every span dropped alone
    assertThat(spansPerRequest(server)).containsExactlyInAnyOrder(3, 1, 2, 1, 1);
    assertThat(metrics.get("exported.traces")).isZero();
    assertThat(TestData.queued(metrics)).isZero();
  }
}
