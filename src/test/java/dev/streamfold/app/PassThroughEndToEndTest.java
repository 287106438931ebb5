package dev.streamfold.app;

import static dev.streamfold.config.TestConfig.set;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.sun.net.httpserver.HttpServer;
import dev.streamfold.config.StreamfoldConfig;
import dev.streamfold.config.TestConfig;
import dev.streamfold.otlp.OtlpJson;
import dev.streamfold.testing.FakeCollector;
import dev.streamfold.time.ManualClock;
import dev.streamfold.testing.TestServices;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.logs.Severity;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.TraceFlags;
import io.opentelemetry.api.trace.TraceState;
import io.opentelemetry.context.Context;
import io.opentelemetry.exporter.otlp.http.logs.OtlpHttpLogRecordExporter;
import io.opentelemetry.exporter.otlp.trace.OtlpGrpcSpanExporter;
import io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.logs.v1.LogRecord;
import io.opentelemetry.proto.logs.v1.ResourceLogs;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.sdk.logs.SdkLoggerProvider;
import io.opentelemetry.sdk.logs.export.BatchLogRecordProcessor;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.export.BatchSpanProcessor;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Pass-through is lossless end to end: the OTel Java SDK sends a span (every attribute type,
 * events, a link, status, kind, nanosecond timestamps) and a log record; the same data comes out
 * of a real gRPC downstream, a real HTTP downstream and the file exporter.
 */
class PassThroughEndToEndTest {
  static final long START_NS = 1_750_000_000_123_456_789L;
  @TempDir Path dir;

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"otlp_grpc", "otlp_http", "file"})
  void sdkDataComesOutIntact(String exporter) throws Exception {
    StreamfoldConfig cfg = TestServices.config("127.0.0.1:1");
    List<ExportTraceServiceRequest> traces = new CopyOnWriteArrayList<>();
    List<ExportLogsServiceRequest> logs = new CopyOnWriteArrayList<>();
    FakeCollector grpc = null;
    HttpServer http = null;
    Path file = dir.resolve("out.jsonl");
    switch (exporter) {
      case "otlp_grpc" -> {
        grpc = new FakeCollector();
        cfg = TestConfig.with(cfg, set("exporter.otlp.endpoint", grpc.endpoint()));
      }
      case "otlp_http" -> {
        http = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 16);
        http.createContext("/v1/traces", ex -> {
          traces.add(ExportTraceServiceRequest.parseFrom(ex.getRequestBody().readAllBytes()));
          ex.sendResponseHeaders(200, -1);
          ex.close();
        });
        http.createContext("/v1/logs", ex -> {
          logs.add(ExportLogsServiceRequest.parseFrom(ex.getRequestBody().readAllBytes()));
          ex.sendResponseHeaders(200, -1);
          ex.close();
        });
        http.start();
        cfg = TestConfig.with(cfg, "exporter.type=otlp_http", set("exporter.otlp.endpoint", "http://127.0.0.1:" + http.getAddress().getPort()), "exporter.otlp.compression=none");
      }
      default -> {
        cfg = TestConfig.with(cfg, "exporter.type=file", set("exporter.file.path", file.toString()));
      }
    }
    Service service = new Service(cfg, new ManualClock());
    service.start();
    Resource resource = Resource.create(Attributes.of(AttributeKey.stringKey("service.name"), "intact"));
    SdkTracerProvider tp = SdkTracerProvider.builder().setResource(resource)
        .addSpanProcessor(BatchSpanProcessor.builder(
            OtlpGrpcSpanExporter.builder().setEndpoint("http://127.0.0.1:" + service.grpcPort()).build()).build())
        .build();
    SdkLoggerProvider lp = SdkLoggerProvider.builder().setResource(resource)
        .addLogRecordProcessor(BatchLogRecordProcessor.builder(
            OtlpHttpLogRecordExporter.builder().setEndpoint("http://127.0.0.1:" + service.httpPort() + "/v1/logs").build()).build())
        .build();
    try {
      SpanContext linked = SpanContext.create("0af7651916cd43dd8448eb211c80319c", "b7ad6b7169203331", TraceFlags.getSampled(),
          TraceState.builder().put("vendor", "x").build());
      Span span = tp.get("scope-a", "1.2.3").spanBuilder("publish")
          .setSpanKind(SpanKind.PRODUCER)
          .setStartTimestamp(START_NS, TimeUnit.NANOSECONDS)
          .setAttribute("s", "text").setAttribute("b", true).setAttribute("l", 42L).setAttribute("d", 2.5)
          .setAttribute(AttributeKey.stringArrayKey("sa"), List.of("x", "y"))
          .setAttribute(AttributeKey.longArrayKey("la"), List.of(1L, 2L))
          .setAttribute(AttributeKey.doubleArrayKey("da"), List.of(0.5, 1.5))
          .setAttribute(AttributeKey.booleanArrayKey("ba"), List.of(true, false))
          .addLink(linked, Attributes.of(AttributeKey.stringKey("why"), "batch"))
          .startSpan();
      span.addEvent("checkpoint", Attributes.of(AttributeKey.longKey("n"), 7L), START_NS + 1_000, TimeUnit.NANOSECONDS);
      span.setStatus(StatusCode.ERROR, "boom");
      span.end(START_NS + 987_654_321L, TimeUnit.NANOSECONDS);
      try (var ignored = Context.root().with(span).makeCurrent()) {
        lp.get("scope-l").logRecordBuilder().setSeverity(Severity.WARN).setBody("hello")
            .setTimestamp(START_NS + 5, TimeUnit.NANOSECONDS).setAttribute(AttributeKey.longKey("k"), 3L).emit();
      }
      assertThat(tp.forceFlush().join(10, TimeUnit.SECONDS).isSuccess()).isTrue();
      assertThat(lp.forceFlush().join(10, TimeUnit.SECONDS).isSuccess()).isTrue();

      FakeCollector g = grpc;
      Supplier<List<ResourceSpans>> gotSpans = switch (exporter) {
        case "otlp_grpc" -> () -> g.traces.stream().flatMap(r -> r.getResourceSpansList().stream()).toList();
        case "otlp_http" -> () -> traces.stream().flatMap(r -> r.getResourceSpansList().stream()).toList();
        default -> () -> readFile(file, true).stream().map(o -> (ExportTraceServiceRequest) o)
            .flatMap(r -> r.getResourceSpansList().stream()).toList();
      };
      Supplier<List<ResourceLogs>> gotLogs = switch (exporter) {
        case "otlp_grpc" -> () -> g.logs.stream().flatMap(r -> r.getResourceLogsList().stream()).toList();
        case "otlp_http" -> () -> logs.stream().flatMap(r -> r.getResourceLogsList().stream()).toList();
        default -> () -> readFile(file, false).stream().map(o -> (ExportLogsServiceRequest) o)
            .flatMap(r -> r.getResourceLogsList().stream()).toList();
      };
      await().atMost(Duration.ofSeconds(15)).until(() -> !gotSpans.get().isEmpty() && !gotLogs.get().isEmpty());

      ResourceSpans rs = gotSpans.get().get(0);
      assertThat(dev.streamfold.otlp.Attributes.string(rs.getResource().getAttributesList(), "service.name")).isEqualTo("intact");
      assertThat(rs.getScopeSpans(0).getScope().getName()).isEqualTo("scope-a");
      assertThat(rs.getScopeSpans(0).getScope().getVersion()).isEqualTo("1.2.3");
      io.opentelemetry.proto.trace.v1.Span s = rs.getScopeSpans(0).getSpans(0);
      assertThat(HexFormat.of().formatHex(s.getTraceId().toByteArray())).isEqualTo(span.getSpanContext().getTraceId());
      assertThat(HexFormat.of().formatHex(s.getSpanId().toByteArray())).isEqualTo(span.getSpanContext().getSpanId());
      assertThat(s.getName()).isEqualTo("publish");
      assertThat(s.getKind()).isEqualTo(io.opentelemetry.proto.trace.v1.Span.SpanKind.SPAN_KIND_PRODUCER);
      assertThat(s.getStartTimeUnixNano()).isEqualTo(START_NS);
      assertThat(s.getEndTimeUnixNano()).isEqualTo(START_NS + 987_654_321L);
      assertThat(s.getStatus().getCode()).isEqualTo(io.opentelemetry.proto.trace.v1.Status.StatusCode.STATUS_CODE_ERROR);
      assertThat(s.getStatus().getMessage()).isEqualTo("boom");
      Map<String, AnyValue> a = s.getAttributesList().stream().collect(Collectors.toMap(KeyValue::getKey, KeyValue::getValue));
      assertThat(a.get("s").getStringValue()).isEqualTo("text");
      assertThat(a.get("b").getBoolValue()).isTrue();
      assertThat(a.get("l").getIntValue()).isEqualTo(42L);
      assertThat(a.get("d").getDoubleValue()).isEqualTo(2.5);
      assertThat(a.get("sa").getArrayValue().getValuesList()).extracting(AnyValue::getStringValue).containsExactly("x", "y");
      assertThat(a.get("la").getArrayValue().getValuesList()).extracting(AnyValue::getIntValue).containsExactly(1L, 2L);
      assertThat(a.get("da").getArrayValue().getValuesList()).extracting(AnyValue::getDoubleValue).containsExactly(0.5, 1.5);
      assertThat(a.get("ba").getArrayValue().getValuesList()).extracting(AnyValue::getBoolValue).containsExactly(true, false);
      assertThat(s.getEvents(0).getName()).isEqualTo("checkpoint");
      assertThat(s.getEvents(0).getTimeUnixNano()).isEqualTo(START_NS + 1_000);
      assertThat(s.getEvents(0).getAttributes(0).getValue().getIntValue()).isEqualTo(7L);
      assertThat(HexFormat.of().formatHex(s.getLinks(0).getTraceId().toByteArray())).isEqualTo("0af7651916cd43dd8448eb211c80319c");
      assertThat(HexFormat.of().formatHex(s.getLinks(0).getSpanId().toByteArray())).isEqualTo("b7ad6b7169203331");
      assertThat(s.getLinks(0).getTraceState()).isEqualTo("vendor=x");
      assertThat(s.getLinks(0).getAttributes(0).getValue().getStringValue()).isEqualTo("batch");

      LogRecord l = gotLogs.get().get(0).getScopeLogs(0).getLogRecords(0);
      assertThat(l.getBody().getStringValue()).isEqualTo("hello");
      assertThat(l.getTimeUnixNano()).isEqualTo(START_NS + 5);
      assertThat(l.getSeverityNumber()).isEqualTo(io.opentelemetry.proto.logs.v1.SeverityNumber.SEVERITY_NUMBER_WARN);
      assertThat(l.getTraceId()).isEqualTo(s.getTraceId());
      assertThat(l.getSpanId()).isEqualTo(s.getSpanId());
      assertThat(l.getAttributes(0).getValue().getIntValue()).isEqualTo(3L);
    } finally {
      tp.shutdown().join(5, TimeUnit.SECONDS);
      lp.shutdown().join(5, TimeUnit.SECONDS);
      service.stop();
      if (grpc != null) {
        grpc.close();
      }
      if (http != null) {
        http.stop(0);
      }
    }
  }

  /** Parses the file exporter's OTLP JSON lines (hex ids), keeping trace or log requests. */
  private static List<Object> readFile(Path file, boolean tracesWanted) {
    List<Object> out = new ArrayList<>();
    try {
      if (!Files.exists(file)) {
        return out;
      }
      for (String line : Files.readAllLines(file)) {
        if (line.isBlank()) {
          continue;
        }
        if (tracesWanted && line.contains("\"resourceSpans\"")) {
          ExportTraceServiceRequest.Builder b = ExportTraceServiceRequest.newBuilder();
          OtlpJson.merge(line, b);
          out.add(b.build());
        } else if (!tracesWanted && line.contains("\"resourceLogs\"")) {
          ExportLogsServiceRequest.Builder b = ExportLogsServiceRequest.newBuilder();
          OtlpJson.merge(line, b);
          out.add(b.build());
        }
      }
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
    return out;
  }
}
