package dev.streamfold.loadgen;

import static org.assertj.core.api.Assertions.assertThat;

import io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.logs.v1.LogRecord;
import io.opentelemetry.proto.logs.v1.ResourceLogs;
import io.opentelemetry.proto.logs.v1.ScopeLogs;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The per-endpoint split of a request, and the counts the parts carry. */
class TraceSplitterTest {
  final HashRing ring = new HashRing(HashRingTest.THREE);

  @Test
  void everySpanGoesToItsTraceOwnerUnderItsOwnResourceAndScopeInOrder() {
    ExportTraceServiceRequest req = SampleTelemetry.traces("A", 200, 5, 11);
    ExportTraceServiceRequest[] parts = TraceSplitter.split(req, ring);
    assertThat(parts).hasSize(3).doesNotContainNull();
    List<String> flatIn = flatten(req);
    List<String> union = new ArrayList<>();
    for (int e = 0; e < 3; e++) {
      for (ResourceSpans rs : parts[e].getResourceSpansList()) {
        for (ScopeSpans ss : rs.getScopeSpansList()) {
          assertThat(ss.getSpansList()).isNotEmpty();
          for (Span s : ss.getSpansList()) {
            assertThat(ring.indexFor(s.getTraceId())).isEqualTo(e);
            // same resource and scope as in the input
            assertThat(flatIn).contains(key(rs, ss, s));
            union.add(key(rs, ss, s));
          }
        }
      }
    }
    assertThat(union).containsExactlyInAnyOrderElementsOf(flatIn);
    // order within a part keeps the input order
    for (ExportTraceServiceRequest p : parts) {
      List<String> f = flatten(p);
      assertThat(f).isSubsetOf(flatIn);
      assertThat(flatIn.stream().filter(f::contains).toList()).isEqualTo(f);
    }
  }

  @Test
  void anEndpointWithoutTracesGetsNoRequestAndOneEndpointGetsTheRequestUnchanged() {
    ExportTraceServiceRequest req = SampleTelemetry.traces("A", 1, 3, 5);
    ExportTraceServiceRequest[] parts = TraceSplitter.split(req, ring);
    assertThat(java.util.Arrays.stream(parts).filter(p -> p != null).toList()).singleElement().isEqualTo(req);
  }

  @Test
  void logRecordsSplitByTraceIdToo() {
    ExportLogsServiceRequest req = SampleTelemetry.chunkLogs(100, 4, 9);
    ExportLogsServiceRequest[] parts = TraceSplitter.split(req, ring);
    long total = 0;
    for (int e = 0; e < parts.length; e++) {
      assertThat(parts[e]).isNotNull();
      for (ResourceLogs rl : parts[e].getResourceLogsList()) {
        assertThat(rl.getResource()).isIn(req.getResourceLogsList().stream().map(ResourceLogs::getResource).toList());
        for (ScopeLogs sl : rl.getScopeLogsList()) {
          for (LogRecord l : sl.getLogRecordsList()) {
            assertThat(ring.indexFor(l.getTraceId())).isEqualTo(e);
            total++;
          }
        }
      }
    }
    assertThat(total).isEqualTo(RouteCounts.logs(req)).isPositive();
  }

  @Test
  void apportionKeepsTotalsExactAndGivesNothingToEmptyParts() {
    long[] counts = new long[LoadStats.METRICS];
    counts[LoadStats.CHUNK_SPANS] = 10;
    counts[LoadStats.STREAM_SPANS] = 3;
    counts[LoadStats.STREAMS] = 3;
    long[][] parts = RoutingTransport.apportion(counts, new long[] {7, 0, 6});
    for (int m : new int[] {LoadStats.CHUNK_SPANS, LoadStats.STREAM_SPANS, LoadStats.STREAMS}) {
      assertThat(parts[0][m] + parts[1][m] + parts[2][m]).isEqualTo(counts[m]);
      assertThat(parts[1][m]).isZero();
    }
    assertThat(parts[0][LoadStats.REQUESTS]).isEqualTo(1);
    assertThat(parts[1][LoadStats.REQUESTS]).isZero();
    assertThat(parts[0][LoadStats.CHUNK_SPANS]).isBetween(5L, 6L);
  }

  private static List<String> flatten(ExportTraceServiceRequest r) {
    List<String> out = new ArrayList<>();
    for (ResourceSpans rs : r.getResourceSpansList()) {
      for (ScopeSpans ss : rs.getScopeSpansList()) {
        for (Span s : ss.getSpansList()) {
          out.add(key(rs, ss, s));
        }
      }
    }
    return out;
  }

  private static String key(ResourceSpans rs, ScopeSpans ss, Span s) {
    return rs.getResource().getAttributes(0).getValue().getStringValue() + "/" + ss.getScope().getName() + "/"
        + java.util.HexFormat.of().formatHex(s.getSpanId().toByteArray());
  }
}
