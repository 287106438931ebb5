package dev.streamfold.reliability;

import dev.streamfold.testing.TestServices;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.ByteString;
import dev.streamfold.app.Service;
import dev.streamfold.config.StreamfoldConfig;
import dev.streamfold.otlp.Attributes;
import dev.streamfold.otlp.OtlpJson;
import dev.streamfold.testing.FakeCollector;
import dev.streamfold.time.ManualClock;
import dev.streamfold.testing.Otlp;
import io.grpc.StatusRuntimeException;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.common.v1.KeyValueList;
import io.opentelemetry.proto.trace.v1.Span;
import java.lang.management.ManagementFactory;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Hostile items end to end (SPEC 3 bounds, SPEC 6 bad input): invalid items are rejected per item
 * and reported in partial_success while the rest of the batch is kept; a stream with a million
 * chunks is truncated with bounded memory; a flood of new streams never holds more than
 * max_open_streams; a stream id reused in two traces is two streams.
 */
class HostileInputTest {
  static final long SECOND = 1_000_000_000L;
  FakeCollector downstream;
  ManualClock clock;
  Service service;
  Harness.GrpcClient client;

  /** @param sets {@code --set} overrides of the service test config */
  void start(String... sets) throws Exception {
    downstream = new FakeCollector();
    clock = new ManualClock();
    StreamfoldConfig cfg = TestServices.config(downstream.endpoint(), sets);
    service = new Service(cfg, clock);
    service.start();
    client = new Harness.GrpcClient(service.grpcPort());
  }

  @AfterEach
  void stop() throws Exception {
    client.close();
    service.stop();
    downstream.close();
  }

  /** Sends, retrying while the service pushes back (as an SDK exporter would). */
  void send(ExportTraceServiceRequest r) {
    await().atMost(Duration.ofSeconds(30)).pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(10)).until(() -> {
      try {
        client.traces(r);
        return true;
      } catch (StatusRuntimeException e) {
        assertThat(e.getStatus().getCode()).isEqualTo(io.grpc.Status.Code.UNAVAILABLE);
        return false;
      }
    });
  }

  void settle(Duration advance) throws InterruptedException {
    assertThat(service.window().sync(Duration.ofSeconds(30))).isTrue();
    clock.advance(advance);
    assertThat(service.window().sync(Duration.ofSeconds(30))).isTrue();
  }

  static AnyValue nested(int depth) {
    AnyValue v = AnyValue.newBuilder().setStringValue("leaf").build();
    for (int i = 1; i < depth; i++) {
      v = AnyValue.newBuilder().setKvlistValue(KeyValueList.newBuilder().addValues(KeyValue.newBuilder().setKey("k" + i).setValue(v))).build();
    }
    return v;
  }

  /** One good span, one NaN/Inf span (valid OTLP: kept), and seven invalid spans. */
  static List<Span> hostileBatch(int ns) {
    ByteString trace = Otlp.trace(ns);
    long future = (System.currentTimeMillis() + 365L * 24 * 3600 * 1000) * 1_000_000L;
    List<Span> spans = new ArrayList<>();
    spans.add(Otlp.span(trace, Otlp.id(ns * 100 + 1), null, "good", 0, 10).build());
    spans.add(Otlp.span(trace, Otlp.id(ns * 100 + 2), null, "nan-and-inf", 0, 10)
        .addAttributes(Attributes.of("x.nan", Double.NaN)).addAttributes(Attributes.of("x.inf", Double.POSITIVE_INFINITY))
        .addAttributes(Attributes.of("x.ninf", Double.NEGATIVE_INFINITY)).build());
    spans.add(Otlp.span(trace.substring(1), Otlp.id(ns * 100 + 3), null, "short trace id", 0, 10).build());
    spans.add(Otlp.span(trace, ByteString.copyFrom(new byte[8]), null, "zero span id", 0, 10).build());
    spans.add(Otlp.span(trace, Otlp.id(ns * 100 + 5), null, "end before start", 10, 0).build());
    spans.add(Otlp.span(trace, Otlp.id(ns * 100 + 6), null, "timestamp 0", 0, 10).setStartTimeUnixNano(0).build());
    spans.add(Otlp.span(trace, Otlp.id(ns * 100 + 7), null, "far future", 0, 10).setStartTimeUnixNano(future).setEndTimeUnixNano(future + 1).build());
    spans.add(Otlp.span(trace, Otlp.id(ns * 100 + 8), null, "20-deep kvlist", 0, 10)
        .addAttributes(KeyValue.newBuilder().setKey("deep").setValue(nested(20))).build());
    Span.Builder many = Otlp.span(trace, Otlp.id(ns * 100 + 9), null, "20000 attributes", 0, 10);
    for (int i = 0; i < 20_000; i++) {
      many.addAttributes(Attributes.of("a" + i, (long) i));
    }
    spans.add(many.build());
    return spans;
  }

  @Test
  void theGoodSpansOfAHostileBatchArriveAndTheBadOnesAreRejectedAndCounted() throws Exception {
    start();
    // gRPC, protobuf
    List<Span> viaGrpc = hostileBatch(301);
    ExportTraceServiceResponse grpcResp = client.traces(Otlp.traces(viaGrpc.toArray(Span[]::new)));
    assertThat(grpcResp.getPartialSuccess().getRejectedSpans()).isEqualTo(7);
    assertThat(grpcResp.getPartialSuccess().getErrorMessage()).contains("7 spans rejected");
    // HTTP, OTLP JSON
    List<Span> viaHttp = hostileBatch(302);
    HttpResponse<byte[]> httpResp = Harness.post(service.httpPort(), "/v1/traces", "application/json",
        OtlpJson.print(Otlp.traces(viaHttp.toArray(Span[]::new))).getBytes(StandardCharsets.UTF_8));
    assertThat(httpResp.statusCode()).isEqualTo(200);
    ExportTraceServiceResponse.Builder parsed = ExportTraceServiceResponse.newBuilder();
    OtlpJson.merge(new String(httpResp.body(), StandardCharsets.UTF_8), parsed);
    assertThat(parsed.getPartialSuccess().getRejectedSpans()).isEqualTo(7);

    await().atMost(Duration.ofSeconds(10)).until(() -> downstream.spans().size() >= 4);
    assertThat(downstream.spans()).containsExactlyInAnyOrder(viaGrpc.get(0), viaGrpc.get(1), viaHttp.get(0), viaHttp.get(1));
    Harness.Scrape s = Harness.scrape(service);
    assertThat(s.count("streamfold_refused_total", "reason", "invalid_item", "signal", "traces")).isEqualTo(14);
    Harness.summary("hostile-items", String.format(
        "per transport (gRPC protobuf, HTTP JSON): sent 9 spans, partial_success.rejected_spans=%d/%d, kept=2 (good + NaN/Inf, "
            + "valid OTLP), received downstream=%d, refused_total{reason=invalid_item}=%d",
        grpcResp.getPartialSuccess().getRejectedSpans(), parsed.getPartialSuccess().getRejectedSpans(), downstream.spans().size(),
        s.count("streamfold_refused_total", "reason", "invalid_item", "signal", "traces")));
  }

  /** Sends the spans, lets the streams close, and asserts every llm_stream.* double on what arrives is finite. */
  List<Span> assertDerivedValuesFinite(List<Span> spans, int expected) throws Exception {
    client.traces(Otlp.traces(spans.toArray(Span[]::new)));
    settle(Duration.ofSeconds(3));
    await().atMost(Duration.ofSeconds(10)).until(() -> downstream.spans().size() == expected);
    for (Span s : downstream.spans()) {
      for (KeyValue kv : s.getAttributesList()) {
        if (kv.getKey().startsWith("llm_stream.") && kv.getValue().hasDoubleValue()) {
          assertThat(Double.isFinite(kv.getValue().getDoubleValue())).as(s.getName() + " " + kv.getKey()).isTrue();
        }
      }
    }
    return downstream.spans();
  }

  @Test
  void nonFiniteTokenCountsInAStreamNeverReachTheDerivedAttributes() throws Exception {
    start();
    ByteString trace = Otlp.trace(303);
    ByteString streamId = Otlp.id(30_301);
    List<Span> spans = new ArrayList<>();
    for (int k = 0; k < 4; k++) {
      spans.add(Otlp.span(trace, Otlp.id(30_310 + k), streamId, "respond::chunk_" + k, 10 + k, 20 + k)
          .addAttributes(Attributes.of("llm_stream.chunk.tokens", Double.NaN)).build());
    }
    spans.add(Otlp.span(trace, streamId, null, "chat", 0, 100).addAttributes(Attributes.of("gen_ai.request.stream", true))
        .addAttributes(Attributes.of("gen_ai.usage.output_tokens", Double.POSITIVE_INFINITY)).build());
    Span chat = assertDerivedValuesFinite(spans, 1).get(0);
    assertThat(Harness.lng(chat, "llm_stream.chunk.count")).isEqualTo(4);
    assertThat(Harness.str(chat, "llm_stream.token_source")).isEqualTo("none");
  }

  @Test
  void nonFiniteProducerSummaryValuesNeverReachTheDerivedAttributes() throws Exception {
    start();
    ByteString trace = Otlp.trace(307);
    List<Span> spans = List.of(
        Otlp.span(trace, Otlp.id(30_701), null, "qwen-code.llm_request", 0, 900)
            .addAttributes(Attributes.of("ttft_ms", Double.NaN)).addAttributes(Attributes.of("sampling_ms", Double.POSITIVE_INFINITY))
            .addAttributes(Attributes.of("gen_ai.usage.output_tokens", 100L)).build(),
        Otlp.span(trace, Otlp.id(30_702), null, "ai.streamText.doStream", 0, 900)
            .addAttributes(Attributes.of("ai.response.msToFirstChunk", 120.0))
            .addAttributes(Attributes.of("ai.response.msToFinish", Double.POSITIVE_INFINITY))
            .addAttributes(Attributes.of("ai.usage.completionTokens", 50L)).build());
    assertDerivedValuesFinite(spans, 2);
  }

  @Test
  void aMillionChunksForOneStreamAreTruncatedWithBoundedMemory() throws Exception {
    start("window.max_chunks_per_stream=1000");
    ByteString trace = Otlp.trace(304);
    ByteString streamId = Otlp.id(40_000_000L);
    int total = 1_000_000;
    int perRequest = 5_000;
    long heapBaseline = usedHeapAfterGc();
    long windowBytesAtCap = -1;
    long maxWindowBytes = 0;
    for (int sent = 0; sent < total; sent += perRequest) {
      Span[] batch = new Span[perRequest];
      for (int i = 0; i < perRequest; i++) {
        int n = sent + i;
        batch[i] = Otlp.span(trace, Otlp.id(50_000_000L + n), streamId, "respond::chunk_" + n, n * 0.001, n * 0.001 + 0.0005).build();
      }
      send(Otlp.traces(batch));
      if (sent == 2 * perRequest) {
        assertThat(service.window().sync(Duration.ofSeconds(30))).isTrue();
        windowBytesAtCap = service.window().memoryBytes();
      }
      maxWindowBytes = Math.max(maxWindowBytes, service.window().memoryBytes());
    }
    assertThat(service.window().sync(Duration.ofSeconds(30))).isTrue();
    long windowBytesAtEnd = service.window().memoryBytes();
    long heapAtEnd = usedHeapAfterGc();
    assertThat(service.window().openStreams()).isEqualTo(1);
    // past max_chunks_per_stream nothing more is stored: the stream's estimate stops growing
    assertThat(windowBytesAtEnd).isEqualTo(windowBytesAtCap);
    assertThat(maxWindowBytes).isEqualTo(windowBytesAtCap);
    assertThat(heapAtEnd).isLessThan(heapBaseline + (64L << 20));

    send(Otlp.traces(Otlp.span(trace, streamId, null, "chat", 0, 1100).build()));
    settle(Duration.ofSeconds(3));
    await().atMost(Duration.ofSeconds(10)).until(() -> downstream.spans().size() == 1);
    Span c = downstream.spans().get(0);
    assertThat(c.getSpanId()).isEqualTo(streamId);
    assertThat(Harness.bool(c, "llm_stream.chunks_truncated")).isTrue();
    assertThat(Harness.lng(c, "llm_stream.chunk.count")).isEqualTo(total);
    assertThat(Harness.attr(c, "llm_stream.sampling_ms")).isNull();
    assertThat(Harness.str(c, "llm_stream.end_reason")).isEqualTo("stream_end");
    assertThat(service.window().openStreams()).isZero();
    Harness.Scrape s = Harness.scrape(service);
    assertThat(s.count("streamfold_dropped_total", "unit", "span", "reason", "chunks_truncated")).isEqualTo(total - 1000);
    assertThat(s.count("streamfold_condensed_total", "unit", "span")).isEqualTo(1000 + 1);
    Harness.summary("million-chunks", String.format(
        "sent=%d chunk spans in requests of %d, max_chunks_per_stream=1000, window estimate at 10k chunks=%d B and at 1M=%d B, "
            + "heap after GC baseline=%d MiB end=%d MiB, condensed chunk.count=%d chunks_truncated=true, dropped{chunks_truncated}=%d",
        total, perRequest, windowBytesAtCap, windowBytesAtEnd, heapBaseline >> 20, heapAtEnd >> 20, Harness.lng(c, "llm_stream.chunk.count"),
        s.count("streamfold_dropped_total", "unit", "span", "reason", "chunks_truncated")));
  }

  void flood(long maxOpen) throws Exception {
    start("window.max_open_streams=" + maxOpen);
    int streams = 5_000;
    int perRequest = 50;
    int maxSeen = 0;
    for (int s = 0; s < streams; s += perRequest) {
      Span[] batch = new Span[perRequest];
      for (int i = 0; i < perRequest; i++) {
        int n = s + i;
        batch[i] = Otlp.chunk(Otlp.trace(1_000_000 + n), Otlp.id(60_000_000L + n), 80_000_000L + n, 0, 10, 11);
      }
      send(Otlp.traces(batch));
      assertThat(service.window().sync(Duration.ofSeconds(10))).isTrue();
      maxSeen = Math.max(maxSeen, service.window().openStreams());
    }
    int openAtEnd = service.window().openStreams();
    long evictedExpected = streams - openAtEnd;
    await().atMost(Duration.ofSeconds(10)).until(() -> downstream.spans().size() == evictedExpected);
    assertThat(downstream.spans()).allSatisfy(sp -> {
      assertThat(sp.getName()).isEqualTo("llm_stream.incomplete");
      assertThat(Harness.str(sp, "llm_stream.end_reason")).isEqualTo("evicted");
    });
    settle(Duration.ofSeconds(31)); // idle timeout closes the rest
    await().atMost(Duration.ofSeconds(10)).until(() -> downstream.spans().size() == streams);
    Set<ByteString> parents = new HashSet<>();
    downstream.spans().forEach(sp -> parents.add(sp.getParentSpanId()));
    assertThat(parents).hasSize(streams); // one incomplete span per stream, none lost, none twice
    assertThat(service.window().openStreams()).isZero();
    Harness.summary("stream-flood max_open_streams=" + maxOpen, String.format(
        "new streams=%d (2 shards), most open seen=%d, open at end of flood=%d, evicted=%d, closed by idle_timeout=%d, "
            + "incomplete spans downstream=%d (one per stream)",
        streams, maxSeen, openAtEnd, evictedExpected, openAtEnd, downstream.spans().size()));
    assertThat(maxSeen).isLessThanOrEqualTo((int) maxOpen);
    assertThat(openAtEnd).isEqualTo((int) maxOpen);
  }

  @Test
  void aFloodOfNewStreamsNeverHoldsMoreThanMaxOpenStreams() throws Exception {
    flood(100);
  }

  @Test
  void aFloodOfNewStreamsNeverHoldsMoreThanAnOddMaxOpenStreams() throws Exception {
    flood(101);
  }

  @Test
  void theSameStreamIdInTwoTracesIsTwoStreams() throws Exception {
    start();
    ByteString streamId = Otlp.id(70_000_000L);
    ByteString t1 = Otlp.trace(305);
    ByteString t2 = Otlp.trace(306);
    List<Span> spans = new ArrayList<>();
    for (int k = 0; k < 3; k++) {
      spans.add(Otlp.chunk(t1, streamId, 70_000_100L + k, k, 10 + k, 11 + k));
    }
    for (int k = 0; k < 5; k++) {
      spans.add(Otlp.chunk(t2, streamId, 70_000_200L + k, k, 10 + k, 11 + k));
    }
    spans.add(Otlp.span(t1, streamId, null, "chat", 0, 50).addAttributes(Attributes.of("gen_ai.request.stream", true)).build());
    spans.add(Otlp.span(t2, streamId, null, "chat", 0, 60).addAttributes(Attributes.of("gen_ai.request.stream", true)).build());
    client.traces(Otlp.traces(spans.toArray(Span[]::new)));
    assertThat(service.window().sync(Duration.ofSeconds(10))).isTrue();
    assertThat(service.window().openStreams()).isEqualTo(2);
    settle(Duration.ofSeconds(3));
    await().atMost(Duration.ofSeconds(10)).until(() -> downstream.spans().size() == 2);
    Span c1 = downstream.spans().stream().filter(s -> s.getTraceId().equals(t1)).findFirst().orElseThrow();
    Span c2 = downstream.spans().stream().filter(s -> s.getTraceId().equals(t2)).findFirst().orElseThrow();
    assertThat(c1.getSpanId()).isEqualTo(streamId);
    assertThat(c2.getSpanId()).isEqualTo(streamId);
    assertThat(Harness.lng(c1, "llm_stream.chunk.count")).isEqualTo(3);
    assertThat(Harness.lng(c2, "llm_stream.chunk.count")).isEqualTo(5);
  }

  static long usedHeapAfterGc() {
    System.gc();
    System.gc();
    return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
  }
}
