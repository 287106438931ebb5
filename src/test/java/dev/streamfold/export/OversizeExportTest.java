package dev.streamfold.export;

import static dev.streamfold.config.TestConfig.set;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.streamfold.config.ExporterConfig;
import dev.streamfold.config.TestConfig;
import dev.streamfold.telemetry.InMemoryMetrics;
import dev.streamfold.telemetry.Reasons;
import dev.streamfold.time.ManualClock;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Batches bounded in bytes, against a real gRPC downstream with grpc-java's default 4 MiB
 * inbound limit (the Collector's default too): nothing is merged past it, and a batch the
 * downstream still refuses as too large is split instead of dropped.
 */
class OversizeExportTest {
  private static final int FOUR_MIB = 4 << 20;

  private final InMemoryMetrics metrics = new InMemoryMetrics();
  private final ManualClock time = new ManualClock();
  private final List<AutoCloseable> closeables = new ArrayList<>();

  @AfterEach
  void tearDown() throws Exception {
    for (int i = closeables.size() - 1; i >= 0; i--) {
      closeables.get(i).close();
    }
  }

  private GrpcTestServer server() throws Exception {
    GrpcTestServer s = new GrpcTestServer(); // maxInboundMessageSize: grpc-java's default 4 MiB
    closeables.add(s);
    return s;
  }

  private ExportPipeline start(ExporterConfig cfg) throws Exception {
    ExportPipeline p = ExportPipeline.builder(cfg, metrics).clock(time).build();
    p.start();
    closeables.add(() -> p.shutdown(Duration.ofSeconds(5)));
    return p;
  }

  /** {@code spans} spans of about {@code bytesEach} bytes each, in one resource entry. */
  private static ResourceSpans big(int spans, int bytesEach) {
    ResourceSpans base = TestData.resourceSpans(spans);
    ResourceSpans.Builder b = base.toBuilder().clearScopeSpans();
    for (ScopeSpans ss : base.getScopeSpansList()) {
      ScopeSpans.Builder sb = ss.toBuilder().clearSpans();
      for (Span s : ss.getSpansList()) {
        sb.addSpans(s.toBuilder().addAttributes(TestData.kv("payload", TestData.str("x".repeat(bytesEach)))));
      }
      b.addScopeSpans(sb);
    }
    return b.build();
  }

  /*
   * uncompressed(): grpc-java checks the size of a gzip message only while the handler parses
   * it, and then resets the stream (the client sees CANCELLED, retryable); without compression
   * it answers RESOURCE_EXHAUSTED "gRPC message exceeds maximum size" as grpc-go (the
   * Collector) does in both cases.
   */

  private static int spans(ExportTraceServiceRequest r) {
    return TestData.spanNameList(r.getResourceSpansList()).size();
  }

  @Test
  void twelveLargeOffersArriveInSeveralExportsUnderTheDownstreamLimit() throws Exception {
    GrpcTestServer server = server();
    ExporterConfig cfg = Configs.of("otlp_grpc", server.endpoint());
    ExportPipeline p = start(cfg);
    List<String> sent = new ArrayList<>();
    for (int i = 0; i < 12; i++) { // 12 x ~1.5 MiB, 360 spans: under max_size 512 items
      ResourceSpans rs = big(30, 50_000);
      sent.addAll(TestData.spanNameList(List.of(rs)));
      assertThat(p.offerSpans(List.of(rs), 30)).isTrue();
    }
    await().until(() -> metrics.get("exported.traces") == 360);
    assertThat(metrics.sum("export_failed.")).isZero();
    assertThat(server.traces.size()).isGreaterThanOrEqualTo(6); // ~18 MiB at most 3 MiB each
    assertThat(server.traces).allSatisfy(r -> assertThat(r.getSerializedSize()).isLessThanOrEqualTo(3 << 20));
    assertThat(TestData.spanNames(server.allResourceSpans())).containsExactlyInAnyOrderElementsOf(sent);
  }

  @Test
  void anItemLargerThanTheByteBoundIsSentAlone() throws Exception {
    GrpcTestServer server = server();
    ExporterConfig cfg = Configs.of("otlp_grpc", server.endpoint());
    cfg = TestConfig.with(cfg, set("batch.max_bytes", 64 << 10));
    ExportPipeline p = start(cfg);
    p.offerSpans(List.of(big(3, 1_000)), 3);
    p.offerSpans(List.of(big(1, 200_000)), 1);
    p.offerSpans(List.of(big(2, 1_000)), 2);
    await().until(() -> metrics.get("exported.traces") == 6);
    assertThat(server.traces).extracting(OversizeExportTest::spans).containsExactlyInAnyOrder(3, 1, 2); // two consumers: any order
    assertThat(server.traces).filteredOn(r -> spans(r) == 1).singleElement().satisfies(r -> assertThat(r.getSerializedSize()).isGreaterThan(200_000));
  }

  @Test
  void aBatchTheDownstreamRefusesAsTooLargeIsSplitAndEverythingArrives() throws Exception {
    GrpcTestServer server = server();
    ExporterConfig cfg = Configs.of("otlp_grpc", server.endpoint());
    cfg = TestConfig.with(cfg, set("batch.max_bytes", 64L << 20), "otlp.compression=none", "batch.timeout=2s");
    ExportPipeline p = start(cfg);
    List<String> sent = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      ResourceSpans rs = big(30, 50_000);
      sent.addAll(TestData.spanNameList(List.of(rs)));
      p.offerSpans(List.of(rs), 30);
    }
    // the 9 MiB batch and then its 4.5 MiB halves are refused (RESOURCE_EXHAUSTED); quarters pass
    await().until(() -> metrics.get("exported.traces") == 180);
    assertThat(metrics.sum("export_failed.")).isZero();
    assertThat(server.traces).allSatisfy(r -> assertThat(r.getSerializedSize()).isLessThanOrEqualTo(FOUR_MIB));
    assertThat(TestData.spanNames(server.allResourceSpans())).containsExactlyInAnyOrderElementsOf(sent);
    assertThat(server.traces.size()).isBetween(4, 6);
    assertThat(time.sleeps()).isEmpty(); // split at once, no backoff
  }

  @Test
  void anItemTooLargeForTheDownstreamIsDroppedAloneAsTooLarge() throws Exception {
    GrpcTestServer server = server();
    ExporterConfig cfg = Configs.of("otlp_grpc", server.endpoint());
    cfg = TestConfig.with(cfg, "batch.timeout=2s", "otlp.compression=none");
    ExportPipeline p = start(cfg);
    p.offerSpans(List.of(big(4, 1_000)), 4);
    p.offerSpans(List.of(big(1, 5_000_000)), 1);
    p.offerSpans(List.of(big(4, 1_000)), 4);
    await().until(() -> metrics.get("exported.traces") == 8 && metrics.get("export_failed.traces." + Reasons.TOO_LARGE) == 1);
    assertThat(metrics.sum("export_failed.")).isEqualTo(1);
    assertThat(server.traces).extracting(OversizeExportTest::spans).containsExactly(4, 4);
  }
}
