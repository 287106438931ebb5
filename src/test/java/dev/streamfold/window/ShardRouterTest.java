package dev.streamfold.window;

import static dev.streamfold.testing.Otlp.*;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import dev.streamfold.config.TestConfig;
import dev.streamfold.config.WindowConfig;
import dev.streamfold.otlp.OtlpSignal;
import dev.streamfold.telemetry.InMemoryMetrics;
import dev.streamfold.testing.RecordingDownstream;
import dev.streamfold.time.ManualClock;
import io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.logs.v1.LogRecord;
import io.opentelemetry.proto.trace.v1.Span;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ShardRouterTest {
  @Test
  void eachShardOwnsOnlyItsTracesInAViewOfTheRequest() {
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
      // nothing copied: every part is the request itself plus which shard owns each span
      assertThat(part.request()).isSameAs(req);
      assertThat(part.owners()).hasSize(40);
      long mine = 0;
      for (int i = 0; i < spans.size(); i++) {
        Span s = spans.get(i);
        assertThat(part.owners()[i]).isEqualTo(router.shardOf(s.getTraceId()));
        if (part.owners()[i] == part.shard()) {
          assertThat(seen.add(s)).isTrue();
          mine++;
        }
      }
      assertThat(part.units()).isEqualTo(mine);
      assertThat(part.extraUnits()).isEqualTo(mine);
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
    assertThat(routed.parts().get(0).owners()).isNull();
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

  @Test
  void shardsTakeInOnlyTheirOwnItemsOfAViewAndTogetherDoWhatOneShardDoes() {
    WindowConfig cfg = TestConfig.window();
    List<Span> spans = new ArrayList<>();
    List<LogRecord> records = new ArrayList<>();
    for (int t = 1; t <= 12; t++) {
      ByteString trace = trace(t);
      ByteString stream = id(1000 + t);
      spans.add(chunk(trace, stream, 2000 + t, 0, 0, 100));
      spans.add(span(trace, id(3000 + t), null, "tool " + t, 0, 5).build()); // passes through
      spans.add(chunk(trace, stream, 4000 + t, 1, 100, 150));
      spans.add(span(trace, stream, id(5000 + t), "chat " + t, 0, 200)
          .addAttributes(kv("gen_ai.request.model", "gpt-4o")).build());
      records.add(chunkLog(trace, id(6000 + t), 10));
      records.add(LogRecord.newBuilder().setTraceId(trace).setTimeUnixNano(ms(1)).setEventName("plain " + t).build());
    }
    ExportTraceServiceRequest req = traces(spans.toArray(new Span[0]));
    ExportLogsServiceRequest logReq = logs(records.toArray(new LogRecord[0]));

    RecordingDownstream whole = new RecordingDownstream();
    ManualClock clock = new ManualClock();
    WindowShard one = new WindowShard(0, WindowSettings.of(cfg, 1), new Recognizer(cfg.rules()), whole, new InMemoryMetrics(), s -> {}, clock);
    one.onTraces(req);
    one.onLogs(logReq);

    ShardRouter router = new ShardRouter(2);
    RecordingDownstream[] outs = {new RecordingDownstream(), new RecordingDownstream()};
    WindowShard[] shards = new WindowShard[2];
    for (int k = 0; k < 2; k++) {
      shards[k] = new WindowShard(k, WindowSettings.of(cfg, 2, k), new Recognizer(cfg.rules()), outs[k], new InMemoryMetrics(), s -> {}, clock);
    }
    ShardRouter.Parts<ExportTraceServiceRequest> spanParts = router.split(OtlpSignal.TRACES, req, Span::getTraceId);
    assertThat(spanParts.parts()).hasSize(2);
    for (ShardRouter.Part<ExportTraceServiceRequest> p : spanParts.parts()) {
      shards[p.shard()].onTraces(p.request(), p.owners());
    }
    for (ShardRouter.Part<ExportLogsServiceRequest> p : router.split(OtlpSignal.LOGS, logReq, LogRecord::getTraceId).parts()) {
      shards[p.shard()].onLogs(p.request(), p.owners());
    }
    clock.advance(Duration.ofSeconds(10));
    one.tick();
    shards[0].tick();
    shards[1].tick();

    List<Span> sharded = new ArrayList<>();
    List<LogRecord> shardedLogs = new ArrayList<>();
    for (int k = 0; k < 2; k++) {
      for (Span s : outs[k].allSpans()) {
        assertThat(router.shardOf(s.getTraceId())).isEqualTo(k);
      }
      for (LogRecord r : outs[k].allLogs()) {
        assertThat(router.shardOf(r.getTraceId())).isEqualTo(k);
      }
      sharded.addAll(outs[k].allSpans());
      shardedLogs.addAll(outs[k].allLogs());
    }
    // 12 tool spans passed, 12 condensed stream spans (their chunks consumed), 12 plain logs passed
    assertThat(whole.allSpans()).hasSize(24);
    assertThat(whole.allLogs()).hasSize(12);
    assertThat(sharded).containsExactlyInAnyOrderElementsOf(whole.allSpans());
    // the chunk-log streams (no stream span) stay open, each in its trace's shard
    assertThat(shards[0].openStreams() + shards[1].openStreams()).isEqualTo(one.openStreams()).isEqualTo(12);
    assertThat(shards[0].openStreams()).isPositive();
    assertThat(shards[1].openStreams()).isPositive();
    assertThat(shardedLogs).containsExactlyInAnyOrderElementsOf(whole.allLogs());
  }
}
