package dev.streamfold.receiver;

import dev.streamfold.config.TestConfig;
import dev.streamfold.telemetry.InMemoryMetrics;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import dev.streamfold.config.ReceiverConfig;
import dev.streamfold.otlp.OtlpJson;
import dev.streamfold.pipeline.IngestResult;
import dev.streamfold.pipeline.Signal;
import dev.streamfold.pipeline.Unit;
import dev.streamfold.telemetry.Reasons;
import io.opentelemetry.exporter.otlp.http.logs.OtlpHttpLogRecordExporter;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter;
import io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceResponse;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;
import io.opentelemetry.proto.logs.v1.LogRecord;
import io.opentelemetry.proto.trace.v1.Span;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HexFormat;
import java.util.concurrent.TimeUnit;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class OtlpHttpReceiverTest {
  private static final String PROTOBUF = "application/x-protobuf";
  private static final String JSON = "application/json";
  private static final int LIMIT = 1024 * 1024;

  private final RecordingIngress ingress = new RecordingIngress();
  private final InMemoryMetrics metrics = new InMemoryMetrics();
  private final HttpClient client =
      HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(10)).build();
  private OtlpHttpReceiver receiver;

  static ReceiverConfig config() {
    ReceiverConfig c = OtlpGrpcReceiverTest.config();
    c = TestConfig.with(c, "http.max_request_body_size_mib=1", "http.threads=2");
    return c;
  }

  @BeforeAll
  void start() throws Exception {
    receiver = new OtlpHttpReceiver(config(), ingress, metrics, SdkFixtures.CLOCK);
    receiver.start();
  }

  @AfterAll
  void stop() {
    receiver.shutdown(Duration.ofSeconds(5));
  }

  @BeforeEach
  void reset() {
    ingress.clear();
    metrics.clear();
  }

  private String base() {
    return "http://127.0.0.1:" + receiver.port();
  }

  private HttpResponse<byte[]> post(String path, String contentType, String encoding, byte[] body) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base() + path))
        .timeout(Duration.ofSeconds(20))
        .POST(HttpRequest.BodyPublishers.ofByteArray(body));
    if (contentType != null) {
      b.header("Content-Type", contentType);
    }
    if (encoding != null) {
      b.header("Content-Encoding", encoding);
    }
    return client.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
  }

  /** The error body is a google.rpc.Status in the request's encoding. */
  private static com.google.rpc.Status status(HttpResponse<byte[]> r) throws Exception {
    String type = r.headers().firstValue("Content-Type").orElse("");
    if (type.startsWith(JSON)) {
      com.google.rpc.Status.Builder b = com.google.rpc.Status.newBuilder();
      OtlpJson.merge(new String(r.body(), StandardCharsets.UTF_8), b);
      return b.build();
    }
    assertThat(type).isEqualTo(PROTOBUF);
    return com.google.rpc.Status.parseFrom(r.body());
  }

  private void assertStillServing() throws Exception {
    int before = ingress.traces.size();
    HttpResponse<byte[]> ok = post("/v1/traces", PROTOBUF, null, OtlpGrpcReceiverTest.validRequest(1).toByteArray());
    assertThat(ok.statusCode()).isEqualTo(200);
    assertThat(ingress.traces).hasSize(before + 1);
  }

  // ---- real SDK clients ----

  @Test
  void sdkHttpSpanExporterRoundTripsEveryField() {
    exportSpans(null);
  }

  @Test
  void sdkHttpSpanExporterWithGzipRoundTrips() {
    exportSpans("gzip");
  }

  private void exportSpans(String compression) {
    var b = OtlpHttpSpanExporter.builder().setEndpoint(base() + "/v1/traces").setRetryPolicy(null);
    if (compression != null) {
      b.setCompression(compression);
    }
    OtlpHttpSpanExporter exporter = b.build();
    try {
      assertThat(exporter.export(SdkFixtures.spans()).join(10, TimeUnit.SECONDS).isSuccess()).isTrue();
    } finally {
      exporter.shutdown().join(5, TimeUnit.SECONDS);
    }
    SdkFixtures.assertSpans(SdkFixtures.spans(), ingress.traces);
    assertThat(metrics.receivedCount(Signal.TRACES, Unit.SPAN)).isEqualTo(3);
    assertThat(metrics.receivedCount(Signal.TRACES, Unit.SPAN_EVENT)).isEqualTo(2);
  }

  @Test
  void sdkHttpLogExporterRoundTripsEveryField() {
    OtlpHttpLogRecordExporter exporter =
        OtlpHttpLogRecordExporter.builder().setEndpoint(base() + "/v1/logs").setRetryPolicy(null).build();
    try {
      assertThat(exporter.export(SdkFixtures.logs()).join(10, TimeUnit.SECONDS).isSuccess()).isTrue();
    } finally {
      exporter.shutdown().join(5, TimeUnit.SECONDS);
    }
    SdkFixtures.assertLogs(SdkFixtures.logs(), ingress.logs);
    assertThat(metrics.receivedCount(Signal.LOGS, Unit.LOG_RECORD)).isEqualTo(2);
  }

  @Test
  void sdkHttpExporterReportsFailureWhenRefused() {
    ingress.answer.set(IngestResult.refused(Duration.ofSeconds(2), "full"));
    OtlpHttpSpanExporter exporter =
        OtlpHttpSpanExporter.builder().setEndpoint(base() + "/v1/traces").setRetryPolicy(null).build();
    try {
      assertThat(exporter.export(SdkFixtures.spans()).join(10, TimeUnit.SECONDS).isSuccess()).isFalse();
    } finally {
      exporter.shutdown().join(5, TimeUnit.SECONDS);
    }
  }

  // ---- OTLP JSON ----

  static final String TRACE_JSON = """
      {"resourceSpans":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"svc"}}]},
        "scopeSpans":[{"scope":{"name":"sc","version":"1"},"spans":[{
          "traceId":"5b8efff798038103d269b633813fc60c","spanId":"eee19b7ec3c1b174",
          "parentSpanId":"eee19b7ec3c1b173","name":"chat","kind":3,
          "startTimeUnixNano":"%d","endTimeUnixNano":"%d",
          "attributes":[{"key":"n","value":{"intValue":"42"}},{"key":"d","value":{"doubleValue":1.5}},
                        {"key":"b","value":{"bytesValue":"AAH/"}}],
          "events":[{"timeUnixNano":"%d","name":"gen_ai.content.completion.chunk"}],
          "links":[{"traceId":"0102030405060708090a0b0c0d0e0f10","spanId":"0102030405060708"}],
          "status":{"code":2,"message":"bad"},
          "someFutureField":{"ignored":true}}]}]}]}
      """.formatted(SdkFixtures.T0, SdkFixtures.T0 + 5, SdkFixtures.T0 + 1);

  @Test
  void otlpJsonWithHexIdsRoundTripsByteExact() throws Exception {
    HttpResponse<byte[]> r = post("/v1/traces", JSON + "; charset=utf-8", null, TRACE_JSON.getBytes(StandardCharsets.UTF_8));
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.headers().firstValue("Content-Type")).hasValue(JSON);
    ExportTraceServiceResponse.Builder resp = ExportTraceServiceResponse.newBuilder();
    OtlpJson.merge(new String(r.body(), StandardCharsets.UTF_8), resp);
    assertThat(resp.hasPartialSuccess()).isFalse();

    assertThat(ingress.traces).hasSize(1);
    Span s = ingress.traces.get(0).getResourceSpans(0).getScopeSpans(0).getSpans(0);
    HexFormat hex = HexFormat.of();
    assertThat(s.getTraceId().toByteArray()).isEqualTo(hex.parseHex("5b8efff798038103d269b633813fc60c"));
    assertThat(s.getSpanId().toByteArray()).isEqualTo(hex.parseHex("eee19b7ec3c1b174"));
    assertThat(s.getParentSpanId().toByteArray()).isEqualTo(hex.parseHex("eee19b7ec3c1b173"));
    assertThat(s.getLinks(0).getTraceId().toByteArray()).isEqualTo(hex.parseHex("0102030405060708090a0b0c0d0e0f10"));
    assertThat(s.getLinks(0).getSpanId().toByteArray()).isEqualTo(hex.parseHex("0102030405060708"));
    assertThat(s.getKind()).isEqualTo(Span.SpanKind.SPAN_KIND_CLIENT);
    assertThat(s.getStartTimeUnixNano()).isEqualTo(SdkFixtures.T0);
    assertThat(s.getEndTimeUnixNano()).isEqualTo(SdkFixtures.T0 + 5);
    assertThat(s.getEvents(0).getTimeUnixNano()).isEqualTo(SdkFixtures.T0 + 1);
    assertThat(s.getStatus().getCodeValue()).isEqualTo(2);
    assertThat(s.getAttributes(0).getValue().getIntValue()).isEqualTo(42);
    assertThat(s.getAttributes(1).getValue().getDoubleValue()).isEqualTo(1.5);
    // bytes values stay base64 in OTLP JSON: only ids are hex
    assertThat(s.getAttributes(2).getValue().getBytesValue().toByteArray()).isEqualTo(new byte[] {0, 1, (byte) 0xff});
  }

  @Test
  void otlpJsonLogsWithHexIds() throws Exception {
    String json = """
        {"resourceLogs":[{"scopeLogs":[{"logRecords":[
          {"timeUnixNano":"%d","traceId":"5b8efff798038103d269b633813fc60c","spanId":"eee19b7ec3c1b174",
           "eventName":"gen_ai.content.completion.chunk","body":{"stringValue":"hi"}},
          {"observedTimeUnixNano":"%d","body":{"stringValue":"no context"}}]}]}]}
        """.formatted(SdkFixtures.T0, SdkFixtures.T0);
    HttpResponse<byte[]> r = post("/v1/logs", JSON, null, json.getBytes(StandardCharsets.UTF_8));
    assertThat(r.statusCode()).isEqualTo(200);
    LogRecord l = ingress.logs.get(0).getResourceLogs(0).getScopeLogs(0).getLogRecords(0);
    assertThat(l.getTraceId().toByteArray()).isEqualTo(HexFormat.of().parseHex("5b8efff798038103d269b633813fc60c"));
    assertThat(l.getSpanId().toByteArray()).isEqualTo(HexFormat.of().parseHex("eee19b7ec3c1b174"));
    assertThat(l.getEventName()).isEqualTo("gen_ai.content.completion.chunk");
    assertThat(metrics.receivedCount(Signal.LOGS, Unit.LOG_RECORD)).isEqualTo(2);
  }

  @Test
  void badJsonIs400WithAJsonStatus() throws Exception {
    HttpResponse<byte[]> r = post("/v1/traces", JSON, null, "{\"resourceSpans\":[".getBytes(StandardCharsets.UTF_8));
    assertThat(r.statusCode()).isEqualTo(400);
    assertThat(r.headers().firstValue("Content-Type")).hasValue(JSON);
    assertThat(status(r).getCode()).isEqualTo(io.grpc.Status.Code.INVALID_ARGUMENT.value());
    assertThat(metrics.refusedCount(Signal.TRACES, Reasons.MALFORMED)).isEqualTo(1);

    // a base64 id (protobuf's default JSON) is not hex: rejected rather than silently mis-decoded
    String base64Id = TRACE_JSON.replace("5b8efff798038103d269b633813fc60c", "W47/95gDgQPSabYzgT/GDA==");
    assertThat(post("/v1/traces", JSON, null, base64Id.getBytes(StandardCharsets.UTF_8)).statusCode()).isEqualTo(400);
    assertThat(ingress.traces).isEmpty();
    assertStillServing();
  }

  @Test
  void deeplyNestedJsonIs400() throws Exception {
    String deep = "{\"resourceSpans\":" + "[".repeat(5000) + "]".repeat(5000) + "}";
    assertThat(post("/v1/traces", JSON, null, deep.getBytes(StandardCharsets.UTF_8)).statusCode()).isEqualTo(400);
    assertStillServing();
  }

  // ---- protobuf, encodings and errors ----

  @Test
  void protobufMetricsPassThrough() throws Exception {
    ExportMetricsServiceRequest request = OtlpGrpcReceiverTest.metricsRequest();
    HttpResponse<byte[]> r = post("/v1/metrics", PROTOBUF, null, request.toByteArray());
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(ingress.metrics).containsExactly(request);
    assertThat(metrics.receivedCount(Signal.METRICS, Unit.METRIC_POINT)).isEqualTo(3);
  }

  @Test
  void malformedProtobufIs400WithAProtobufStatus() throws Exception {
    byte[] garbage = {0x0a, (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, 0x0f, 0x01};
    HttpResponse<byte[]> r = post("/v1/traces", PROTOBUF, null, garbage);
    assertThat(r.statusCode()).isEqualTo(400);
    assertThat(status(r).getCode()).isEqualTo(io.grpc.Status.Code.INVALID_ARGUMENT.value());
    assertThat(metrics.refusedCount(Signal.TRACES, Reasons.MALFORMED)).isEqualTo(1);
    assertStillServing();
  }

  @Test
  void unsupportedContentTypeIs415() throws Exception {
    byte[] body = OtlpGrpcReceiverTest.validRequest(1).toByteArray();
    assertThat(post("/v1/traces", "text/plain", null, body).statusCode()).isEqualTo(415);
    assertThat(post("/v1/traces", null, null, body).statusCode()).isEqualTo(415);
    assertThat(metrics.refusedCount(Signal.TRACES, Reasons.UNSUPPORTED_MEDIA_TYPE)).isEqualTo(2);
    assertThat(ingress.traces).isEmpty();
    assertStillServing();
  }

  @Test
  void wrongMethodIs405AndUnknownPathIs404() throws Exception {
    HttpResponse<byte[]> get = client.send(
        HttpRequest.newBuilder(URI.create(base() + "/v1/traces")).GET().build(), HttpResponse.BodyHandlers.ofByteArray());
    assertThat(get.statusCode()).isEqualTo(405);
    assertThat(get.headers().firstValue("Allow")).hasValue("POST");
    assertThat(post("/v1/spans", PROTOBUF, null, new byte[0]).statusCode()).isEqualTo(404);
    assertThat(post("/v1/traces/extra", PROTOBUF, null, new byte[0]).statusCode()).isEqualTo(404);
    assertStillServing();
  }

  @Test
  void gzipBodyIsAccepted() throws Exception {
    ExportTraceServiceRequest request = OtlpGrpcReceiverTest.validRequest(5);
    HttpResponse<byte[]> r = post("/v1/traces", PROTOBUF, "gzip", gzip(request.toByteArray()));
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(ingress.traces).containsExactly(request);
  }

  @Test
  void gzipJsonBodyIsAccepted() throws Exception {
    HttpResponse<byte[]> r = post("/v1/traces", JSON, "gzip", gzip(TRACE_JSON.getBytes(StandardCharsets.UTF_8)));
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(ingress.traces).hasSize(1);
  }

  @Test
  void corruptGzipAndUnknownEncodingAre400() throws Exception {
    byte[] body = OtlpGrpcReceiverTest.validRequest(1).toByteArray();
    assertThat(post("/v1/traces", PROTOBUF, "gzip", body).statusCode()).isEqualTo(400);
    byte[] truncated = gzip(body);
    truncated = java.util.Arrays.copyOf(truncated, truncated.length - 6);
    assertThat(post("/v1/traces", PROTOBUF, "gzip", truncated).statusCode()).isEqualTo(400);
    assertThat(post("/v1/traces", PROTOBUF, "br", body).statusCode()).isEqualTo(400);
    assertThat(metrics.refusedCount(Signal.TRACES, Reasons.MALFORMED)).isEqualTo(3);
    assertThat(ingress.traces).isEmpty();
    assertStillServing();
  }

  @Test
  void bodyOverTheLimitIs413() throws Exception {
    byte[] body = new byte[LIMIT + 10_000];
    // chunked (no Content-Length): detected while reading
    HttpRequest chunked = HttpRequest.newBuilder(URI.create(base() + "/v1/traces"))
        .timeout(Duration.ofSeconds(20))
        .header("Content-Type", PROTOBUF)
        .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(body)))
        .build();
    HttpResponse<byte[]> r = client.send(chunked, HttpResponse.BodyHandlers.ofByteArray());
    assertThat(r.statusCode()).isEqualTo(413);
    assertThat(status(r).getCode()).isEqualTo(io.grpc.Status.Code.RESOURCE_EXHAUSTED.value());
    assertThat(metrics.refusedCount(Signal.TRACES, Reasons.TOO_LARGE)).isEqualTo(1);
    assertStillServing();
  }

  @Test
  void declaredLengthOverTheLimitIs413BeforeReading() throws Exception {
    try (Socket socket = new Socket("127.0.0.1", receiver.port())) {
      socket.setSoTimeout(20_000);
      OutputStream out = socket.getOutputStream();
      out.write(("POST /v1/logs HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-protobuf\r\n"
          + "Content-Length: 999999999\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
      out.flush();
      String statusLine = new String(socket.getInputStream().readNBytes(12), StandardCharsets.US_ASCII);
      assertThat(statusLine).isEqualTo("HTTP/1.1 413");
    }
    assertThat(metrics.refusedCount(Signal.LOGS, Reasons.TOO_LARGE)).isEqualTo(1);
    assertStillServing();
  }

  @Test
  void gzipBombIsBoundedAnd413() throws Exception {
    byte[] bomb = gzip(new byte[8 * LIMIT]);
    assertThat(bomb.length).isLessThan(LIMIT / 10);
    HttpResponse<byte[]> r = post("/v1/traces", PROTOBUF, "gzip", bomb);
    assertThat(r.statusCode()).isEqualTo(413);
    assertThat(metrics.refusedCount(Signal.TRACES, Reasons.TOO_LARGE)).isEqualTo(1);
    assertThat(ingress.traces).isEmpty();
    assertStillServing();
  }

  @Test
  void oneBadSpanGivesPartialSuccessInTheRequestEncoding() throws Exception {
    String json = TRACE_JSON.replace("\"spans\":[{", "\"spans\":[{\"traceId\":\"00000000000000000000000000000000\","
        + "\"spanId\":\"0000000000000001\",\"name\":\"bad\",\"startTimeUnixNano\":\"1\",\"endTimeUnixNano\":\"2\"},{");
    HttpResponse<byte[]> r = post("/v1/traces", JSON, null, json.getBytes(StandardCharsets.UTF_8));
    assertThat(r.statusCode()).isEqualTo(200);
    ExportTraceServiceResponse.Builder resp = ExportTraceServiceResponse.newBuilder();
    OtlpJson.merge(new String(r.body(), StandardCharsets.UTF_8), resp);
    assertThat(resp.getPartialSuccess().getRejectedSpans()).isEqualTo(1);
    assertThat(resp.getPartialSuccess().getErrorMessage()).contains("trace_id is all zero");
    assertThat(ingress.traces.get(0).getResourceSpans(0).getScopeSpans(0).getSpansList())
        .extracting(Span::getName).containsExactly("chat");

    // protobuf: a log record with a 3-byte trace id
    var logs = io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest.newBuilder()
        .addResourceLogs(io.opentelemetry.proto.logs.v1.ResourceLogs.newBuilder()
            .addScopeLogs(io.opentelemetry.proto.logs.v1.ScopeLogs.newBuilder()
                .addLogRecords(LogRecord.newBuilder().setTimeUnixNano(SdkFixtures.T0))
                .addLogRecords(LogRecord.newBuilder().setTraceId(ByteString.copyFrom(new byte[3])))))
        .build();
    HttpResponse<byte[]> lr = post("/v1/logs", PROTOBUF, null, logs.toByteArray());
    assertThat(lr.statusCode()).isEqualTo(200);
    ExportLogsServiceResponse logsResp = ExportLogsServiceResponse.parseFrom(lr.body());
    assertThat(logsResp.getPartialSuccess().getRejectedLogRecords()).isEqualTo(1);
    assertThat(ingress.logs.get(0).getResourceLogs(0).getScopeLogs(0).getLogRecordsCount()).isEqualTo(1);
    assertThat(metrics.refusedCount(Signal.TRACES, Reasons.INVALID_ITEM)).isEqualTo(1);
    assertThat(metrics.refusedCount(Signal.LOGS, Reasons.INVALID_ITEM)).isEqualTo(1);
  }

  @Test
  void refusedByTheIngressIs503WithRetryAfter() throws Exception {
    ingress.answer.set(IngestResult.refused(Duration.ofMillis(2500), "pipeline full"));
    HttpResponse<byte[]> r = post("/v1/traces", PROTOBUF, null, OtlpGrpcReceiverTest.validRequest(3).toByteArray());
    assertThat(r.statusCode()).isEqualTo(503);
    assertThat(r.headers().firstValue("Retry-After")).hasValue("3");
    com.google.rpc.Status st = status(r);
    assertThat(st.getCode()).isEqualTo(io.grpc.Status.Code.UNAVAILABLE.value());
    assertThat(st.getMessage()).isEqualTo("pipeline full");
    assertThat(metrics.refusedCount(Signal.TRACES, Reasons.BACKPRESSURE)).isEqualTo(3);

    ingress.answer.set(IngestResult.unavailable("starting"));
    HttpResponse<byte[]> j = post("/v1/traces", JSON, null, TRACE_JSON.getBytes(StandardCharsets.UTF_8));
    assertThat(j.statusCode()).isEqualTo(503);
    assertThat(j.headers().firstValue("Retry-After")).hasValue("1");
    assertThat(status(j).getCode()).isEqualTo(io.grpc.Status.Code.UNAVAILABLE.value());
    assertThat(metrics.refusedCount(Signal.TRACES, Reasons.NOT_READY)).isEqualTo(1);

    ingress.answer.set(IngestResult.OK);
    assertStillServing();
  }

  @Test
  void emptyRequestIsOkWithoutBotheringTheIngress() throws Exception {
    HttpResponse<byte[]> r = post("/v1/traces", PROTOBUF, null, new byte[0]);
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(ingress.traces).isEmpty();
  }

  @Test
  void shutdownDrainsInFlightRequestsAndTurnsNewOnesAway() throws Exception {
    java.util.concurrent.CountDownLatch entered = new java.util.concurrent.CountDownLatch(1);
    java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
    java.util.concurrent.atomic.AtomicBoolean first = new java.util.concurrent.atomic.AtomicBoolean(true);
    RecordingIngress blockingFirst = new RecordingIngress() {
      @Override
      public IngestResult traces(ExportTraceServiceRequest request) {
        if (first.getAndSet(false)) {
          entered.countDown();
          try {
            release.await(30, TimeUnit.SECONDS);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
        }
        return super.traces(request);
      }
    };
    InMemoryMetrics m = new InMemoryMetrics();
    OtlpHttpReceiver r = new OtlpHttpReceiver(config(), blockingFirst, m, SdkFixtures.CLOCK);
    r.start();
    URI uri = URI.create("http://127.0.0.1:" + r.port() + "/v1/traces");
    HttpRequest req = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(30))
        .header("Content-Type", PROTOBUF)
        .POST(HttpRequest.BodyPublishers.ofByteArray(OtlpGrpcReceiverTest.validRequest(1).toByteArray()))
        .build();
    Thread stopper = new Thread(() -> r.shutdown(Duration.ofSeconds(30)));
    try {
      var inFlight = client.sendAsync(req, HttpResponse.BodyHandlers.ofByteArray());
      assertThat(entered.await(10, TimeUnit.SECONDS)).isTrue();
      stopper.start();
      org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
        HttpResponse<byte[]> late = client.send(req, HttpResponse.BodyHandlers.ofByteArray());
        assertThat(late.statusCode()).isEqualTo(503);
        assertThat(late.headers().firstValue("Retry-After")).hasValue("1");
      });
      assertThat(m.refusedCount(Signal.TRACES, Reasons.NOT_READY)).isPositive();
      release.countDown();
      assertThat(inFlight.get(10, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
      stopper.join(30_000);
      assertThat(stopper.isAlive()).isFalse();
      assertThat(blockingFirst.traces).hasSizeGreaterThanOrEqualTo(1);
      org.assertj.core.api.Assertions.assertThatThrownBy(
              () -> client.send(req, HttpResponse.BodyHandlers.ofByteArray()))
          .isInstanceOf(IOException.class);
    } finally {
      release.countDown();
      r.shutdown(Duration.ZERO);
    }
  }

  static byte[] gzip(byte[] data) throws IOException {
    ByteArrayOutputStream bos = new ByteArrayOutputStream();
    try (GZIPOutputStream gz = new GZIPOutputStream(bos)) {
      gz.write(data);
    }
    return bos.toByteArray();
  }

  static byte[] readAll(InputStream in) throws IOException {
    return in.readAllBytes();
  }
}
