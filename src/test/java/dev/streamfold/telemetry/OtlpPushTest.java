package dev.streamfold.telemetry;

import static dev.streamfold.telemetry.Streams.stream;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.ByteString;
import com.sun.net.httpserver.HttpServer;
import dev.streamfold.config.TelemetryConfig;
import dev.streamfold.config.TestConfig;
import dev.streamfold.derive.TokenSource;
import dev.streamfold.pipeline.Downstream;
import dev.streamfold.pipeline.Signal;
import dev.streamfold.pipeline.Unit;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceResponse;
import io.opentelemetry.proto.collector.metrics.v1.MetricsServiceGrpc;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.metrics.v1.HistogramDataPoint;
import io.opentelemetry.proto.metrics.v1.Metric;
import io.opentelemetry.proto.metrics.v1.NumberDataPoint;
import io.opentelemetry.proto.metrics.v1.ResourceMetrics;
import io.opentelemetry.proto.metrics.v1.ScopeMetrics;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class OtlpPushTest {
  private final List<AutoCloseable> cleanup = new ArrayList<>();

  @AfterEach
  void close() throws Exception {
    for (int i = cleanup.size() - 1; i >= 0; i--) {
      cleanup.get(i).close();
    }
  }

  private static TelemetryConfig config() {
    TelemetryConfig c = TestConfig.telemetry("prometheus.enabled=false", "jvm_metrics=false", "otlp.enabled=true", "otlp.interval=1h",
        "otlp.resource_attributes={deployment.environment: test}");
    return c;
  }

  private static void recordStreams(Telemetry t) {
    t.registerActiveStreams(() -> 4);
    t.streamListener().onStreamClosed(stream().ttft(15.0).duration(420.0).intervals(4, 9)
        .tokens(TokenSource.USAGE, 20L, 60L).tokensPerSecond(150.0).build());
    t.pipelineMetrics().received(Signal.TRACES, Unit.SPAN, 10);
  }

  /** A real OTLP/gRPC MetricsService on 127.0.0.1:0 that keeps what it gets. */
  private List<ExportMetricsServiceRequest> grpcCollector(int[] port) throws Exception {
    List<ExportMetricsServiceRequest> got = new CopyOnWriteArrayList<>();
    Server server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
        .addService(new MetricsServiceGrpc.MetricsServiceImplBase() {
          @Override
          public void export(ExportMetricsServiceRequest request, StreamObserver<ExportMetricsServiceResponse> out) {
            got.add(request);
            out.onNext(ExportMetricsServiceResponse.getDefaultInstance());
            out.onCompleted();
          }
        })
        .build()
        .start();
    cleanup.add(() -> server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS));
    port[0] = server.getPort();
    return got;
  }

  private static Metric metric(ExportMetricsServiceRequest r, String name) {
    return r.getResourceMetricsList().stream()
        .flatMap(rm -> rm.getScopeMetricsList().stream())
        .flatMap(sm -> sm.getMetricsList().stream())
        .filter(m -> m.getName().equals(name))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no metric " + name));
  }

  private static Map<String, String> attrs(List<KeyValue> kvs) {
    return kvs.stream().collect(Collectors.toMap(KeyValue::getKey, kv -> kv.getValue().getStringValue()));
  }

  @Test
  void pushesOverGrpcWithScopeUnitsBucketsAndExemplars() throws Exception {
    int[] port = new int[1];
    List<ExportMetricsServiceRequest> got = grpcCollector(port);
    ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", port[0]).usePlaintext().build();
    cleanup.add(() -> channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS));
    MetricsServiceGrpc.MetricsServiceBlockingStub stub = MetricsServiceGrpc.newBlockingStub(channel);
    Telemetry t = Telemetry.builder(config())
        .metricsPush(bytes -> stub.export(ExportMetricsServiceRequest.parseFrom(bytes)))
        .build();
    t.start();
    recordStreams(t);

    t.shutdown(Duration.ofSeconds(5)); // final push

    assertThat(got).hasSize(1);
    ExportMetricsServiceRequest r = got.get(0);
    ResourceMetrics rm = r.getResourceMetrics(0);
    assertThat(attrs(rm.getResource().getAttributesList()))
        .containsEntry("service.name", "streamfold")
        .containsEntry("deployment.environment", "test");
    assertThat(rm.getScopeMetricsList()).extracting(sm -> sm.getScope().getName()).containsOnly("dev.streamfold");

    Metric ttft = metric(r, "gen_ai.client.operation.time_to_first_chunk");
    assertThat(ttft.getUnit()).isEqualTo("s");
    HistogramDataPoint p = ttft.getHistogram().getDataPoints(0);
    assertThat(p.getExplicitBoundsList()).containsExactlyElementsOf(Instrument.SECONDS_BUCKETS);
    assertThat(p.getCount()).isEqualTo(1);
    assertThat(p.getSum()).isEqualTo(0.015);
    assertThat(p.getBucketCounts(1)).isEqualTo(1); // (0.01, 0.02]
    assertThat(attrs(p.getAttributesList()))
        .containsEntry("gen_ai.request.model", "gpt-4o")
        .containsEntry("llm_stream.complete", "true")
        .doesNotContainKeys("error.type", "otel.metric.overflow"); // empty values are not sent
    assertThat(p.getExemplarsList()).isNotEmpty().allSatisfy(ex -> {
      assertThat(ex.getTraceId()).isEqualTo(ByteString.copyFrom(HexFormat.of().parseHex(Streams.TRACE)));
      assertThat(ex.getSpanId()).isEqualTo(ByteString.copyFrom(HexFormat.of().parseHex(Streams.SPAN)));
    });

    assertThat(metric(r, "gen_ai.client.operation.time_per_output_chunk").getHistogram().getDataPoints(0).getCount())
        .isEqualTo(2);
    Metric tokens = metric(r, "gen_ai.client.token.usage");
    assertThat(tokens.getUnit()).isEqualTo("{token}");
    assertThat(tokens.getHistogram().getDataPointsList()).hasSize(2);
    assertThat(tokens.getHistogram().getDataPoints(0).getExplicitBoundsList())
        .containsExactlyElementsOf(Instrument.TOKEN_BUCKETS);
    assertThat(metric(r, "llm_stream.output_tokens_per_second").getUnit()).isEqualTo("{token}/s");
    assertThat(metric(r, "llm_stream.active").getGauge().getDataPoints(0).getAsDouble()).isEqualTo(4.0);
    NumberDataPoint closed = metric(r, "llm_stream.closed").getSum().getDataPoints(0);
    assertThat(closed.getAsDouble()).isEqualTo(1.0);
    assertThat(attrs(closed.getAttributesList())).containsEntry("llm_stream.end_reason", "stream_end");
    assertThat(metric(r, "streamfold.received").getSum().getDataPointsList())
        .anySatisfy(dp -> assertThat(dp.getAsDouble()).isEqualTo(10.0));
    // no max gauges next to the histograms
    assertThat(r.getResourceMetrics(0).getScopeMetrics(0).getMetricsList())
        .noneMatch(m -> m.getName().endsWith(".max"));
  }

  @Test
  void pushesPeriodicallyOverHttp() throws Exception {
    List<ExportMetricsServiceRequest> got = new CopyOnWriteArrayList<>();
    List<String> contentTypes = new CopyOnWriteArrayList<>();
    HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext("/v1/metrics", ex -> {
      contentTypes.add(ex.getRequestHeaders().getFirst("Content-Type"));
      got.add(ExportMetricsServiceRequest.parseFrom(ex.getRequestBody().readAllBytes()));
      byte[] body = ExportMetricsServiceResponse.getDefaultInstance().toByteArray();
      ex.getResponseHeaders().set("Content-Type", "application/x-protobuf");
      ex.sendResponseHeaders(200, body.length);
      ex.getResponseBody().write(body);
      ex.close();
    });
    server.start();
    cleanup.add(() -> server.stop(0));
    HttpClient client = HttpClient.newHttpClient();
    URI uri = URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/v1/metrics");
    TelemetryConfig c = config();
    c = TestConfig.with(c, "otlp.interval=200ms");
    Telemetry t = Telemetry.builder(c)
        .metricsPush(bytes -> {
          HttpResponse<Void> resp = client.send(
              HttpRequest.newBuilder(uri).header("Content-Type", "application/x-protobuf")
                  .POST(HttpRequest.BodyPublishers.ofByteArray(bytes)).build(),
              HttpResponse.BodyHandlers.discarding());
          if (resp.statusCode() != 200) {
            throw new IllegalStateException("HTTP " + resp.statusCode());
          }
        })
        .build();
    cleanup.add(() -> t.shutdown(Duration.ofSeconds(5)));
    recordStreams(t);
    t.start();

    await().atMost(Duration.ofSeconds(30)).until(() -> got.size() >= 2);

    assertThat(contentTypes).containsOnly("application/x-protobuf");
    // cumulative: every push carries the stream recorded before the first one
    for (ExportMetricsServiceRequest r : got) {
      assertThat(metric(r, "gen_ai.client.operation.time_to_first_chunk").getHistogram().getDataPoints(0).getCount())
          .isEqualTo(1);
    }
  }

  @Test
  void overflowSeriesCarriesTheOverflowAttributeInOtlp() throws Exception {
    List<ExportMetricsServiceRequest> got = new CopyOnWriteArrayList<>();
    TelemetryConfig c = config();
    c = TestConfig.with(c, "max_series_per_metric=1");
    Telemetry t = Telemetry.builder(c).metricsPush(b -> got.add(ExportMetricsServiceRequest.parseFrom(b))).build();
    t.start();
    t.streamListener().onStreamClosed(stream().model("a").ttft(5.0).build());
    t.streamListener().onStreamClosed(stream().model("b").ttft(5.0).build());
    t.shutdown(Duration.ofSeconds(5));

    List<HistogramDataPoint> points = metric(got.get(0), "gen_ai.client.operation.time_to_first_chunk")
        .getHistogram().getDataPointsList();
    assertThat(points).extracting(dp -> attrs(dp.getAttributesList()))
        .containsExactlyInAnyOrder(
            Map.of("service.name", "chat-app", "gen_ai.operation.name", "chat", "gen_ai.provider.name", "openai",
                "gen_ai.request.model", "a", "gen_ai.response.model", "gpt-4o-2024-08-06", "llm_stream.complete", "true"),
            Map.of("otel.metric.overflow", "true"));
  }

  @Test
  void nothingIsPushedBeforeStart() {
    List<byte[]> got = new CopyOnWriteArrayList<>();
    Telemetry t = Telemetry.builder(config()).metricsPush(got::add).build();
    recordStreams(t);

    t.shutdown(Duration.ofSeconds(5));

    assertThat(got).isEmpty();
  }

  @Test
  void pushNeedsATargetAtStart() {
    Telemetry t = Telemetry.builder(config()).build();

    assertThatThrownBy(t::start)
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("telemetry.otlp.enabled");
    t.shutdown(Duration.ofSeconds(1));
  }

  @Test
  void pushTargetCanBeSetAfterBuildingForTheDownstreamWiringOrder() throws Exception {
    List<byte[]> got = new CopyOnWriteArrayList<>();
    Telemetry t = Telemetry.builder(config()).build();
    // the downstream takes t.pipelineMetrics() and exists only now
    t.pushMetricsTo(got::add);
    t.start();
    recordStreams(t);

    t.shutdown(Duration.ofSeconds(5));

    assertThat(got).hasSize(1);
  }

  @Test
  void downstreamSenderOffersResourceMetricsCountedInDataPoints() throws Exception {
    List<List<ResourceMetrics>> offered = new ArrayList<>();
    List<Integer> items = new ArrayList<>();
    Downstream downstream = new dev.streamfold.testing.DiscardingDownstream() {
      @Override
      public boolean offerMetrics(List<ResourceMetrics> metrics, int n) {
        offered.add(metrics);
        items.add(n);
        return true;
      }
    };
    Telemetry t = Telemetry.builder(config()).metricsPush(new DownstreamMetricsSender(downstream)).build();
    t.start();
    recordStreams(t);
    t.shutdown(Duration.ofSeconds(5));

    assertThat(offered).hasSize(1);
    List<ResourceMetrics> rms = offered.get(0);
    int points = 0;
    for (ResourceMetrics rm : rms) {
      for (ScopeMetrics sm : rm.getScopeMetricsList()) {
        assertThat(sm.getScope().getName()).isEqualTo("dev.streamfold");
        for (Metric m : sm.getMetricsList()) {
          points += dev.streamfold.otlp.Items.dataPoints(m);
        }
      }
    }
    assertThat(items.get(0)).isEqualTo(points).isGreaterThan(10);
  }
}
