package dev.streamfold.loadgen;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.TraceServiceGrpc;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import com.google.protobuf.ByteString;
import com.sun.net.httpserver.HttpServer;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/** The generator against the real bench servers over loopback gRPC. */
class LoadGeneratorIntegrationTest {

  private static LoadGenerator.Result runAgainst(int port, String... extra) {
    String[] base = {"--endpoint", "127.0.0.1:" + port, "--streams", "300", "--shape", "mix", "--chunks-per-stream", "8",
        "--connections", "2", "--in-flight", "3", "--spans-per-request", "100", "--seed", "21"};
    String[] args = new String[base.length + extra.length];
    System.arraycopy(base, 0, args, 0, base.length);
    System.arraycopy(extra, 0, args, base.length, extra.length);
    LoadGenOptions o = LoadGenOptions.parse(args);
    Map<Status.Code, String> errors = GrpcTransport.newErrorMap();
    LoadGenerator.Result r = LoadGenerator.run(o, new PrintStream(new ByteArrayOutputStream()),
        stats -> new GrpcTransport(o, stats, errors), new AtomicBoolean());
    assertThat(errors).isEmpty();
    return r;
  }

  private static void assertServerSawExactly(BenchServer server, LoadStats st) {
    assertThat(st.get(LoadStats.FAILED, LoadStats.REQUESTS) + st.get(LoadStats.REFUSED, LoadStats.REQUESTS)).isZero();
    assertThat(st.get(LoadStats.OK, LoadStats.REQUESTS)).isEqualTo(st.get(LoadStats.SENT, LoadStats.REQUESTS));
    assertThat(server.spans.sum()).isEqualTo(st.get(LoadStats.OK, LoadStats.SPANS));
    assertThat(server.events.sum()).isEqualTo(st.get(LoadStats.OK, LoadStats.EVENTS));
    assertThat(server.logs.sum()).isEqualTo(st.get(LoadStats.OK, LoadStats.LOGS));
    assertThat(server.traceRequests.sum() + server.logRequests.sum()).isEqualTo(st.get(LoadStats.OK, LoadStats.REQUESTS));
  }

  @Test
  void discardServerCountsWhatTheGeneratorReports() throws Exception {
    try (BenchServer discard = new BenchServer(BenchServer.Mode.DISCARD, "127.0.0.1", 0, null, 1).start()) {
      LoadStats st = runAgainst(discard.port(), "--gzip", "--token", "secret").stats();
      assertThat(st.get(LoadStats.OK, LoadStats.STREAMS)).isEqualTo(300);
      assertThat(st.get(LoadStats.OK, LoadStats.SPANS)).isPositive();
      assertThat(st.get(LoadStats.OK, LoadStats.LOGS)).isPositive();
      assertThat(st.get(LoadStats.OK, LoadStats.EVENTS)).isPositive();
      assertServerSawExactly(discard, st);
    }
  }

  @Test
  void forwardServerPassesEverythingToTheSink() throws Exception {
    try (BenchServer sink = new BenchServer(BenchServer.Mode.SINK, "127.0.0.1", 0, null, 1).start();
        BenchServer forward = new BenchServer(BenchServer.Mode.FORWARD, "127.0.0.1", 0, "127.0.0.1:" + sink.port(), 64).start()) {
      LoadStats st = runAgainst(forward.port()).stats();
      assertServerSawExactly(forward, st);
      assertServerSawExactly(sink, st);
      assertThat(sink.chunkSpans.sum()).isEqualTo(st.get(LoadStats.OK, LoadStats.CHUNK_SPANS));
      // nothing condensed on the way: no llm_stream.* attributes, no delay samples
      assertThat(sink.condensedSpans.sum()).isZero();
      assertThat(sink.delayMicros.count()).isZero();
    }
  }

  @Test
  void forwardServerPropagatesDownstreamFailure() throws Exception {
    // nothing listens on port 1: the forward fails, the client gets the failure, the permit comes back
    try (BenchServer forward = new BenchServer(BenchServer.Mode.FORWARD, "127.0.0.1", 0, "127.0.0.1:1", 1).start()) {
      ManagedChannel ch = ManagedChannelBuilder.forAddress("127.0.0.1", forward.port()).usePlaintext().build();
      try {
        TraceServiceGrpc.TraceServiceBlockingStub stub = TraceServiceGrpc.newBlockingStub(ch).withDeadlineAfter(10, TimeUnit.SECONDS);
        assertThat(statusOf(() -> stub.export(ExportTraceServiceRequest.getDefaultInstance())).getCode())
            .isEqualTo(Status.Code.UNAVAILABLE);
        assertThat(statusOf(() -> stub.export(ExportTraceServiceRequest.getDefaultInstance())).getCode())
            .isEqualTo(Status.Code.UNAVAILABLE);
        assertThat(forward.forwardFailed.sum()).isEqualTo(2);
        assertThat(forward.refused.sum()).isZero();
      } finally {
        ch.shutdownNow();
      }
    }
  }

  @Test
  void forwardServerRefusesBeyondItsInFlightBound() throws Exception {
    List<StreamObserver<ExportTraceServiceResponse>> held = new CopyOnWriteArrayList<>();
    Server downstream = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
        .addService(new TraceServiceGrpc.TraceServiceImplBase() {
          @Override
          public void export(ExportTraceServiceRequest request, StreamObserver<ExportTraceServiceResponse> response) {
            held.add(response);
          }
        }).build().start();
    try (BenchServer forward = new BenchServer(BenchServer.Mode.FORWARD, "127.0.0.1", 0, "127.0.0.1:" + downstream.getPort(), 1).start()) {
      ManagedChannel ch = ManagedChannelBuilder.forAddress("127.0.0.1", forward.port()).usePlaintext().build();
      try {
        var first = TraceServiceGrpc.newFutureStub(ch).withDeadlineAfter(10, TimeUnit.SECONDS)
            .export(ExportTraceServiceRequest.getDefaultInstance());
        await().atMost(Duration.ofSeconds(10)).until(() -> held.size() == 1);
        Status second = statusOf(() -> TraceServiceGrpc.newBlockingStub(ch).withDeadlineAfter(10, TimeUnit.SECONDS)
            .export(ExportTraceServiceRequest.getDefaultInstance()));
        assertThat(second.getCode()).isEqualTo(Status.Code.UNAVAILABLE);
        assertThat(second.getDescription()).contains("in-flight");
        assertThat(forward.refused.sum()).isEqualTo(1);
        held.get(0).onNext(ExportTraceServiceResponse.getDefaultInstance());
        held.get(0).onCompleted();
        assertThat(first.get(10, TimeUnit.SECONDS)).isEqualTo(ExportTraceServiceResponse.getDefaultInstance());
        assertThat(forward.spans.sum()).isZero();
        assertThat(forward.traceRequests.sum()).isEqualTo(2);
      } finally {
        ch.shutdownNow();
      }
    } finally {
      downstream.shutdownNow();
    }
  }

  @Test
  void sinkMeasuresDelayOfCondensedSpansAndServesStats() throws Exception {
    try (BenchServer sink = new BenchServer(BenchServer.Mode.SINK, "127.0.0.1", 0, null, 1).start()) {
      long sent = LoadWorker.wallNanos() - 1_500_000_000L;
      Span condensed = Span.newBuilder()
          .setTraceId(ByteString.copyFrom(new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16}))
          .setSpanId(ByteString.copyFrom(new byte[] {1, 2, 3, 4, 5, 6, 7, 8}))
          .setName("chat gpt-4o")
          .addAttributes(OtlpItems.dbl("llm_stream.ttft_ms", 412.5))
          .addAttributes(OtlpItems.str("llm_stream.input_shape", "chunk_spans"))
          .addAttributes(OtlpItems.num(OtlpItems.SENT_ATTRIBUTE, sent))
          .build();
      Span incomplete = condensed.toBuilder().setName("llm_stream.incomplete").clearAttributes()
          .addAttributes(OtlpItems.str("llm_stream.input_shape", "chunk_spans")).build();
      Span chunk = condensed.toBuilder().setName("x::chunk_3").clearAttributes().build();
      ExportTraceServiceRequest req = ExportTraceServiceRequest.newBuilder()
          .addResourceSpans(ResourceSpans.newBuilder().addScopeSpans(
              ScopeSpans.newBuilder().addSpans(condensed).addSpans(incomplete).addSpans(chunk)))
          .build();
      ManagedChannel ch = ManagedChannelBuilder.forAddress("127.0.0.1", sink.port()).usePlaintext().build();
      HttpServer http = BenchServers.statsHttp(0, sink::statsJson, sink::reset);
      try {
        TraceServiceGrpc.newBlockingStub(ch).withDeadlineAfter(10, TimeUnit.SECONDS).export(req);
        assertThat(sink.spans.sum()).isEqualTo(3);
        assertThat(sink.condensedSpans.sum()).isEqualTo(2);
        assertThat(sink.incompleteSpans.sum()).isEqualTo(1);
        assertThat(sink.chunkSpans.sum()).isEqualTo(1);
        assertThat(sink.delayMicros.count()).isEqualTo(1);
        // at least the 1.5 s the send time lies in the past, and not wildly more
        assertThat(sink.delayMicros.max()).isBetween(1_500_000L, 60_000_000L);

        HttpClient client = HttpClient.newHttpClient();
        String base = "http://127.0.0.1:" + http.getAddress().getPort();
        String stats = client.send(HttpRequest.newBuilder(URI.create(base + "/stats")).build(),
            HttpResponse.BodyHandlers.ofString()).body();
        assertThat(stats).contains("\"mode\":\"sink\"", "\"spans\":3", "\"condensed_spans\":2", "\"delay_samples\":1");
        String reset = client.send(HttpRequest.newBuilder(URI.create(base + "/reset")).build(),
            HttpResponse.BodyHandlers.ofString()).body();
        assertThat(reset).contains("\"spans\":0", "\"delay_samples\":0");
      } finally {
        http.stop(0);
        ch.shutdownNow();
      }
    }
  }

  private static Status statusOf(Runnable call) {
    try {
      call.run();
      return Status.OK;
    } catch (RuntimeException e) {
      return Status.fromThrowable(e);
    }
  }
}
