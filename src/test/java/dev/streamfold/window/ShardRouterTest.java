package dev.streamfold.window;

import static dev.streamfold.testing.Otlp.*;
import static org.assertj.core.api.Assertions.assertThat;

import dev.streamfold.otlp.OtlpSignal;
import io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.logs.v1.LogRecord;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ShardRouterTest {
  @Test
  void eachShardGetsOnlyItsTracesWithGroupingKept() {
    ShardRouter router = new ShardRouter(4);
    List<Span> spans = new ArrayList<>();
    for (int t = 1; t <= 40; t++) {
      spans.add(span(trace(t), id(t), null, "s" + t, 0, 1).addEvents(event("e", 0)).build());
    }
    ExportTraceServiceRequest req = traces(spans.toArray(new Span[0]));

    ShardRouter.Parts<ExportTraceServiceRequest> routed = router.split(OtlpSignal.TRACES, req, Span::getTraceId);

    assertThat(routed.units()).isEqualTo(40);
    assertThat(routed.extraUnits()).isEqualTo(40);
    assertThat(routed.parts()).hasSizeGreaterThan(1);
    Set<Span> seen = new HashSet<>();
    Set<Integer> shards = new HashSet<>();
    for (ShardRouter.Part<ExportTraceServiceRequest> part : routed.parts()) {
      assertThat(shards.add(part.shard())).isTrue();
      assertThat(part.request().getResourceSpansList()).hasSize(1);
      ResourceSpans rs = part.request().getResourceSpans(0);
      assertThat(rs.getResource()).isEqualTo(RESOURCE);
      ScopeSpans ss = rs.getScopeSpans(0);
      assertThat(ss.getScope()).isEqualTo(SCOPE);
      for (Span s : ss.getSpansList()) {
        assertThat(router.shardOf(s.getTraceId())).isEqualTo(part.shard());
      }
      assertThat(part.units()).isEqualTo(ss.getSpansCount());
      seen.addAll(ss.getSpansList());
    }
    assertThat(seen).containsExactlyInAnyOrderElementsOf(spans);
  }

  @Test
  void oneTraceRequestIsHandedOnAsItCame() {
    ShardRouter router = new ShardRouter(4);
    ExportTraceServiceRequest req = traces(chunk(trace(7), id(1), 2, 0, 0, 1), chunk(trace(7), id(1), 3, 1, 1, 2));
    ShardRouter.Parts<ExportTraceServiceRequest> routed = router.split(OtlpSignal.TRACES, req, Span::getTraceId);
    assertThat(routed.parts()).hasSize(1);
    assertThat(routed.parts().get(0).request()).isSameAs(req);
    assertThat(routed.parts().get(0).shard()).isEqualTo(router.shardOf(trace(7)));
  }

  @Test
  void logsWithoutTraceIdGoToOneShard() {
    ShardRouter router = new ShardRouter(3);
    LogRecord plain = LogRecord.newBuilder().setTimeUnixNano(1).build();
    ExportLogsServiceRequest req = logs(plain, plain);
    ShardRouter.Parts<ExportLogsServiceRequest> routed = router.split(OtlpSignal.LOGS, req, LogRecord::getTraceId);
    assertThat(routed.parts()).hasSize(1);
    assertThat(routed.units()).isEqualTo(2);
  }
}
