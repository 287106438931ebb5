package dev.streamfold.receiver;

import dev.streamfold.config.TestConfig;
import dev.streamfold.telemetry.InMemoryMetrics;
import static dev.streamfold.config.TestConfig.set;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.Any;
import com.google.protobuf.ByteString;
import com.google.rpc.RetryInfo;
import dev.streamfold.config.ReceiverConfig;
import dev.streamfold.pipeline.IngestResult;
import dev.streamfold.pipeline.Signal;
import dev.streamfold.pipeline.Unit;
import dev.streamfold.telemetry.Reasons;
import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.protobuf.StatusProto;
import io.grpc.stub.ClientCalls;
import io.opentelemetry.exporter.otlp.logs.OtlpGrpcLogRecordExporter;
import io.opentelemetry.exporter.otlp.trace.OtlpGrpcSpanExporter;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceResponse;
import io.opentelemetry.proto.collector.metrics.v1.MetricsServiceGrpc;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;
import io.opentelemetry.proto.collector.trace.v1.TraceServiceGrpc;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.metrics.v1.Gauge;
import io.opentelemetry.proto.metrics.v1.Metric;
import io.opentelemetry.proto.metrics.v1.NumberDataPoint;
import io.opentelemetry.proto.metrics.v1.ResourceMetrics;
import io.opentelemetry.proto.metrics.v1.ScopeMetrics;
import io.opentelemetry.proto.metrics.v1.Sum;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.sdk.common.CompletableResultCode;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class OtlpGrpcReceiverTest {
  private final RecordingIngress ingress = new RecordingIngress();
  private final InMemoryMetrics metrics = new InMemoryMetrics();
  private OtlpGrpcReceiver receiver;
  private ManagedChannel channel;

  static ReceiverConfig config() {
    ReceiverConfig c = TestConfig.receiver("grpc.endpoint=127.0.0.1:0", "grpc.max_recv_msg_size_mib=1", "grpc.threads=2", "http.endpoint=127.0.0.1:0");
    return c;
  }

  @BeforeAll
  void start() throws Exception {
    receiver = new OtlpGrpcReceiver(config(), ingress, metrics, SdkFixtures.CLOCK);
    receiver.start();
    channel = NettyChannelBuilder.forAddress("127.0.0.1", receiver.port()).usePlaintext().build();
  }

  @AfterAll
  void stop() {
    channel.shutdownNow();
    receiver.shutdown(Duration.ofSeconds(5));
  }

  @BeforeEach
  void reset() {
    ingress.clear();
    metrics.clear();
  }

  private String endpoint() {
    return "http://127.0.0.1:" + receiver.port();
  }

  private TraceServiceGrpc.TraceServiceBlockingStub traceStub() {
    return TraceServiceGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS);
  }

  @Test
  void portZeroBindsAnEphemeralPort() {
    assertThat(receiver.port()).isPositive();
  }

  @Test
  void sdkSpanExporterRoundTripsEveryField() {
    exportSpansWithSdk(null);
  }

  @Test
  void sdkSpanExporterWithGzipRoundTrips() {
    exportSpansWithSdk("gzip");
  }

  private void exportSpansWithSdk(String compression) {
    var builder = OtlpGrpcSpanExporter.builder().setEndpoint(endpoint()).setRetryPolicy(null);
    if (compression != null) {
      builder.setCompression(compression);
    }
    OtlpGrpcSpanExporter exporter = builder.build();
    try {
      CompletableResultCode result = exporter.export(SdkFixtures.spans()).join(10, TimeUnit.SECONDS);
      assertThat(result.isSuccess()).isTrue();
    } finally {
      exporter.shutdown().join(5, TimeUnit.SECONDS);
    }
    SdkFixtures.assertSpans(SdkFixtures.spans(), ingress.traces);
    assertThat(metrics.receivedCount(Signal.TRACES, Unit.SPAN)).isEqualTo(3);
    assertThat(metrics.receivedCount(Signal.TRACES, Unit.SPAN_EVENT)).isEqualTo(2);
  }

  @Test
  void sdkLogExporterRoundTripsEveryField() {
    OtlpGrpcLogRecordExporter exporter =
        OtlpGrpcLogRecordExporter.builder().setEndpoint(endpoint()).setRetryPolicy(null).build();
    try {
      assertThat(exporter.export(SdkFixtures.logs()).join(10, TimeUnit.SECONDS).isSuccess()).isTrue();
    } finally {
      exporter.shutdown().join(5, TimeUnit.SECONDS);
    }
    SdkFixtures.assertLogs(SdkFixtures.logs(), ingress.logs);
    assertThat(metrics.receivedCount(Signal.LOGS, Unit.LOG_RECORD)).isEqualTo(2);
  }

  @Test
  void metricsPassThroughUnchanged() {
    ExportMetricsServiceRequest request = metricsRequest();
    ExportMetricsServiceResponse response =
        MetricsServiceGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS).export(request);
    assertThat(response.hasPartialSuccess()).isFalse();
    assertThat(ingress.metrics).containsExactly(request);
    assertThat(metrics.receivedCount(Signal.METRICS, Unit.METRIC_POINT)).isEqualTo(3);
  }

  static ExportMetricsServiceRequest metricsRequest() {
    NumberDataPoint p = NumberDataPoint.newBuilder().setTimeUnixNano(SdkFixtures.T0).setAsDouble(Double.NaN).build();
    return ExportMetricsServiceRequest.newBuilder()
        .addResourceMetrics(ResourceMetrics.newBuilder()
            .addScopeMetrics(ScopeMetrics.newBuilder()
                .addMetrics(Metric.newBuilder().setName("g").setGauge(Gauge.newBuilder().addDataPoints(p).addDataPoints(p)))
                .addMetrics(Metric.newBuilder().setName("s").setSum(Sum.newBuilder().addDataPoints(p)))))
        .build();
  }

  @Test
  void malformedProtobufIsInvalidArgumentAndTheReceiverKeepsServing() {
    byte[] garbage = {0x0a, (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, 0x0f, 0x01};
    assertThatThrownBy(() -> rawExport(garbage))
        .isInstanceOfSatisfying(StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT));
    assertThat(metrics.refusedCount(Signal.TRACES, Reasons.MALFORMED)).isEqualTo(1);
    assertThat(ingress.traces).isEmpty();
    assertThat(traceStub().export(validRequest(2))).isNotNull();
    assertThat(ingress.traces).hasSize(1);
  }

  @Test
  void randomGarbageNeverGetsAnythingButOkOrInvalidArgument() {
    Random random = new Random(42);
    for (int i = 0; i < 40; i++) {
      byte[] payload = new byte[random.nextInt(300)];
      random.nextBytes(payload);
      try {
        rawExport(payload);
      } catch (StatusRuntimeException e) {
        assertThat(e.getStatus().getCode()).as("payload %d", i).isEqualTo(Status.Code.INVALID_ARGUMENT);
      }
    }
    assertThat(traceStub().export(validRequest(1))).isNotNull();
  }

  private byte[] rawExport(byte[] body) {
    MethodDescriptor<byte[], byte[]> method =
        TraceServiceGrpc.getExportMethod().toBuilder(BYTES, BYTES).build();
    return ClientCalls.blockingUnaryCall(
        channel, method, CallOptions.DEFAULT.withDeadlineAfter(10, TimeUnit.SECONDS), body);
  }

  /** Over the 1 MiB test limit, yet a few KiB once gzipped. */
  static ExportTraceServiceRequest bigRequest() {
    return validRequest(1).toBuilder()
        .setResourceSpans(0, validRequest(1).getResourceSpans(0).toBuilder()
            .setResource(io.opentelemetry.proto.resource.v1.Resource.newBuilder()
                .addAttributes(KeyValue.newBuilder().setKey("big")
                    .setValue(AnyValue.newBuilder().setStringValue("x".repeat(1_200_000))))))
        .build();
  }

  @Test
  void gzipBombIsResourceExhausted() {
    assertThatThrownBy(() -> traceStub().withCompression("gzip").export(bigRequest()))
        .isInstanceOfSatisfying(StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED));
    await().atMost(Duration.ofSeconds(10))
        .untilAsserted(() -> assertThat(metrics.refusedCount(Signal.TRACES, Reasons.TOO_LARGE)).isEqualTo(1));
    assertThat(ingress.traces).isEmpty();
    assertThat(traceStub().withCompression("gzip").export(validRequest(1))).isNotNull();
  }

  @Test
  void corruptGzipMessageIsInvalidArgument() {
    // a "gzip" compressor that does not compress: the server gets raw bytes flagged as gzip
    io.grpc.Compressor fake = new io.grpc.Compressor() {
      @Override
      public String getMessageEncoding() {
        return "gzip";
      }

      @Override
      public java.io.OutputStream compress(java.io.OutputStream os) {
        return os;
      }
    };
    io.grpc.CompressorRegistry registry = io.grpc.CompressorRegistry.newEmptyInstance();
    registry.register(fake);
    ManagedChannel ch = NettyChannelBuilder.forAddress("127.0.0.1", receiver.port()).usePlaintext()
        .compressorRegistry(registry).build();
    try {
      StatusRuntimeException e = catchStatus(() -> TraceServiceGrpc.newBlockingStub(ch).withCompression("gzip")
          .withDeadlineAfter(10, TimeUnit.SECONDS).export(validRequest(2)));
      assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
      assertThat(metrics.refusedCount(Signal.TRACES, Reasons.MALFORMED)).isEqualTo(1);
      assertThat(ingress.traces).isEmpty();
    } finally {
      ch.shutdownNow();
    }
    assertThat(traceStub().export(validRequest(1))).isNotNull();
  }

  @Test
  void overTheSizeLimitIsResourceExhaustedAndCounted() {
    ExportTraceServiceRequest big = bigRequest();
    assertThatThrownBy(() -> traceStub().export(big))
        .isInstanceOfSatisfying(StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED));
    await().atMost(Duration.ofSeconds(10))
        .untilAsserted(() -> assertThat(metrics.refusedCount(Signal.TRACES, Reasons.TOO_LARGE)).isEqualTo(1));
    assertThat(ingress.traces).isEmpty();
    assertThat(traceStub().export(validRequest(1))).isNotNull();
  }

  @Test
  void gzipCompressedCallsAreAccepted() {
    ExportTraceServiceRequest request = validRequest(3);
    traceStub().withCompression("gzip").export(request);
    assertThat(ingress.traces).containsExactly(request);
  }

  @Test
  void oneBadSpanIsRejectedInPartialSuccessAndTheRestIsKept() {
    ExportTraceServiceRequest request = validRequest(3);
    Span bad = request.getResourceSpans(0).getScopeSpans(0).getSpans(1).toBuilder()
        .setTraceId(ByteString.copyFrom(new byte[16])).build();
    request = request.toBuilder()
        .setResourceSpans(0, request.getResourceSpans(0).toBuilder()
            .setScopeSpans(0, request.getResourceSpans(0).getScopeSpans(0).toBuilder().setSpans(1, bad)))
        .build();
    ExportTraceServiceResponse response = traceStub().export(request);
    assertThat(response.getPartialSuccess().getRejectedSpans()).isEqualTo(1);
    assertThat(response.getPartialSuccess().getErrorMessage()).contains("trace_id is all zero");
    assertThat(ingress.traces).hasSize(1);
    assertThat(ingress.traces.get(0).getResourceSpans(0).getScopeSpans(0).getSpansList())
        .extracting(Span::getName).containsExactly("span-0", "span-2");
    assertThat(metrics.refusedCount(Signal.TRACES, Reasons.INVALID_ITEM)).isEqualTo(1);
    assertThat(metrics.receivedCount(Signal.TRACES, Unit.SPAN)).isEqualTo(2);
  }

  @Test
  void refusedByTheIngressIsUnavailableWithRetryInfo() throws Exception {
    ingress.answer.set(IngestResult.refused(Duration.ofSeconds(7), "pipeline full"));
    StatusRuntimeException e = catchStatus(() -> traceStub().export(validRequest(4)));
    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
    com.google.rpc.Status status = StatusProto.fromThrowable(e);
    assertThat(status).isNotNull();
    assertThat(status.getMessage()).isEqualTo("pipeline full");
    Any detail = status.getDetailsList().stream().filter(d -> d.is(RetryInfo.class)).findFirst().orElseThrow();
    assertThat(detail.unpack(RetryInfo.class).getRetryDelay().getSeconds()).isEqualTo(7);
    assertThat(metrics.refusedCount(Signal.TRACES, Reasons.BACKPRESSURE)).isEqualTo(4);
    assertThat(metrics.receivedCount(Signal.TRACES, Unit.SPAN)).isZero();

    ingress.answer.set(IngestResult.unavailable("draining"));
    e = catchStatus(() -> traceStub().export(validRequest(2)));
    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
    assertThat(metrics.refusedCount(Signal.TRACES, Reasons.NOT_READY)).isEqualTo(2);

    ingress.answer.set(IngestResult.OK);
    assertThat(traceStub().export(validRequest(1))).isNotNull();
    assertThat(metrics.receivedCount(Signal.TRACES, Unit.SPAN)).isEqualTo(1);
  }

  @Test
  void sdkExporterReportsFailureWhenRefused() {
    ingress.answer.set(IngestResult.refused(Duration.ofSeconds(1), "full"));
    OtlpGrpcSpanExporter exporter = OtlpGrpcSpanExporter.builder().setEndpoint(endpoint()).setRetryPolicy(null).build();
    try {
      assertThat(exporter.export(SdkFixtures.spans()).join(10, TimeUnit.SECONDS).isSuccess()).isFalse();
    } finally {
      exporter.shutdown().join(5, TimeUnit.SECONDS);
    }
  }

  @Test
  void ingressExceptionIsInternalNotACrash() {
    RecordingIngress throwing = new RecordingIngress() {
      @Override
      public IngestResult traces(ExportTraceServiceRequest request) {
        throw new IllegalStateException("bug");
      }
    };
    OtlpGrpcReceiver r = new OtlpGrpcReceiver(config(), throwing, metrics, SdkFixtures.CLOCK);
    ManagedChannel ch = null;
    try {
      r.start();
      ch = NettyChannelBuilder.forAddress("127.0.0.1", r.port()).usePlaintext().build();
      TraceServiceGrpc.TraceServiceBlockingStub stub =
          TraceServiceGrpc.newBlockingStub(ch).withDeadlineAfter(10, TimeUnit.SECONDS);
      StatusRuntimeException e = catchStatus(() -> stub.export(validRequest(1)));
      assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INTERNAL);
      assertThat(metrics.refusedCount(Signal.TRACES, ExportHandler.INTERNAL_ERROR)).isEqualTo(1);
    } catch (Exception e) {
      throw new AssertionError(e);
    } finally {
      if (ch != null) {
        ch.shutdownNow();
      }
      r.shutdown(Duration.ofSeconds(5));
    }
  }

  @Test
  void fullCallQueueAnswersUnavailableAtOnce() throws Exception {
    CountDownLatch entered = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    RecordingIngress blocking = new RecordingIngress() {
      @Override
      public IngestResult traces(ExportTraceServiceRequest request) {
        entered.countDown();
        try {
          release.await(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
        return super.traces(request);
      }
    };
    ReceiverConfig cfg = config();
    cfg = TestConfig.with(cfg, "grpc.threads=1", "grpc.max_queued_requests=1");
    InMemoryMetrics m = new InMemoryMetrics();
    OtlpGrpcReceiver r = new OtlpGrpcReceiver(cfg, blocking, m, SdkFixtures.CLOCK);
    r.start();
    ManagedChannel ch = NettyChannelBuilder.forAddress("127.0.0.1", r.port()).usePlaintext().build();
    try {
      TraceServiceGrpc.TraceServiceFutureStub stub =
          TraceServiceGrpc.newFutureStub(ch).withDeadlineAfter(30, TimeUnit.SECONDS);
      var first = stub.export(validRequest(1));
      assertThat(entered.await(10, TimeUnit.SECONDS)).isTrue();
      var second = stub.export(validRequest(1));
      await().atMost(Duration.ofSeconds(10)).until(
          () -> m.gaugeValue("streamfold.receiver.executor.queued", "transport", "otlp-grpc") == 1.0);
      StatusRuntimeException e = catchStatus(
          () -> TraceServiceGrpc.newBlockingStub(ch).withDeadlineAfter(10, TimeUnit.SECONDS).export(validRequest(1)));
      assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
      assertThat(StatusProto.fromThrowable(e).getDetailsList()).anyMatch(d -> d.is(RetryInfo.class));
      assertThat(m.refusedCount(Signal.TRACES, Reasons.BACKPRESSURE)).isEqualTo(1);
      release.countDown();
      assertThat(first.get(10, TimeUnit.SECONDS)).isNotNull();
      assertThat(second.get(10, TimeUnit.SECONDS)).isNotNull();
      assertThat(blocking.traces).hasSize(2);
    } finally {
      release.countDown();
      ch.shutdownNow();
      r.shutdown(Duration.ofSeconds(5));
    }
  }

  @Test
  void healthServiceReportsServing() {
    HealthCheckResponse health = HealthGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS)
        .check(HealthCheckRequest.getDefaultInstance());
    assertThat(health.getStatus()).isEqualTo(HealthCheckResponse.ServingStatus.SERVING);
  }

  @Test
  void shutdownReleasesThePort() throws Exception {
    OtlpGrpcReceiver r = new OtlpGrpcReceiver(config(), ingress, metrics, SdkFixtures.CLOCK);
    r.start();
    int port = r.port();
    r.shutdown(Duration.ofSeconds(5));
    try (java.net.ServerSocket s = new java.net.ServerSocket()) {
      s.setReuseAddress(true);
      s.bind(new java.net.InetSocketAddress("127.0.0.1", port));
      assertThat(s.getLocalPort()).isEqualTo(port);
    }
  }

  static StatusRuntimeException catchStatus(Runnable call) {
    try {
      call.run();
    } catch (StatusRuntimeException e) {
      return e;
    }
    throw new AssertionError("expected a gRPC error");
  }

  /** {@code n} valid spans named span-0.. in one resource and scope. */
  static ExportTraceServiceRequest validRequest(int n) {
    ScopeSpans.Builder scope = ScopeSpans.newBuilder();
    for (int i = 0; i < n; i++) {
      scope.addSpans(Span.newBuilder()
          .setTraceId(ByteString.copyFrom(HexFormat.of().parseHex(SdkFixtures.TRACE_ID)))
          .setSpanId(ByteString.copyFrom(HexFormat.of().parseHex(String.format("%016x", i + 1))))
          .setName("span-" + i)
          .setStartTimeUnixNano(SdkFixtures.T0)
          .setEndTimeUnixNano(SdkFixtures.T0 + 1000));
    }
    return ExportTraceServiceRequest.newBuilder()
        .addResourceSpans(ResourceSpans.newBuilder().addScopeSpans(scope))
        .build();
  }

  static final MethodDescriptor.Marshaller<byte[]> BYTES = new MethodDescriptor.Marshaller<>() {
    @Override
    public InputStream stream(byte[] value) {
      return new ByteArrayInputStream(value);
    }

    @Override
    public byte[] parse(InputStream stream) {
      try {
        return stream.readAllBytes();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  };

  static String hex(ByteString b) {
    return HexFormat.of().formatHex(b.toByteArray());
  }
}
