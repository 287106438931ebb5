package dev.streamfold.window;

import static dev.streamfold.testing.Otlp.*;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import dev.streamfold.config.TestConfig;
import dev.streamfold.config.WindowConfig;
import dev.streamfold.derive.ClosedStream;
import dev.streamfold.telemetry.InMemoryMetrics;
import dev.streamfold.time.ManualClock;
import dev.streamfold.testing.RecordingDownstream;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.proto.trace.v1.Status;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

class WindowShardTest extends OneShard {

  static final ByteString T = trace(1);
  static final ByteString STREAM = id(100);
  static final ByteString ROOT = id(1);

  static Span streamSpan(double start, double end) {
    return span(T, STREAM, ROOT, "chat gpt-4o", start, end)
        .setKind(Span.SpanKind.SPAN_KIND_CLIENT)
        .addAttributes(kv("gen_ai.request.model", "gpt-4o"))
        .addAttributes(kv("gen_ai.provider.name", "openai"))
        .addAttributes(kv("gen_ai.operation.name", "chat"))
        .build();
  }

  Span only() {
    List<Span> all = out.allSpans();
    assertThat(all).hasSize(1);
    return all.get(0);
  }

  @Test
  void chunkSpansThenStreamSpanCondenseAfterGrace() {
    shard().onTraces(traces(chunk(T, STREAM, 11, 0, 0, 100), chunk(T, STREAM, 12, 1, 100, 150)));
    shard().onTraces(traces(chunk(T, STREAM, 13, 2, 150, 230), streamSpan(0, 250)));
    assertThat(out.allSpans()).isEmpty();
    advance(Duration.ofMillis(1999));
    assertThat(out.allSpans()).isEmpty();
    advance(Duration.ofMillis(1));
    Span s = only();
    assertThat(s.getSpanId()).isEqualTo(STREAM);
    assertThat(lng(s, "llm_stream.chunk.count")).isEqualTo(3);
    assertThat(dbl(s, "llm_stream.ttft_ms")).isEqualTo(100.0);
    assertThat(dbl(s, "llm_stream.sampling_ms")).isEqualTo(130.0);
    assertThat(dbl(s, "llm_stream.duration_ms")).isEqualTo(250.0);
    assertThat(dbl(s, "llm_stream.chunk.interval.min_ms")).isEqualTo(50.0);
    assertThat(dbl(s, "llm_stream.chunk.interval.max_ms")).isEqualTo(80.0);
    assertThat(dbl(s, "llm_stream.generation_time_ms")).isEqualTo(230.0);
    assertThat(dbl(s, "llm_stream.consumer_time_ms")).isEqualTo(0.0);
    assertThat(str(s, "llm_stream.input_shape")).isEqualTo("chunk_spans");
    assertThat(str(s, "llm_stream.end_reason")).isEqualTo("stream_end");
    assertThat(str(s, "llm_stream.token_source")).isEqualTo("none");
    assertThat(attr(s, "llm_stream.complete").getBoolValue()).isTrue();
    assertThat(attr(s, "gen_ai.request.stream").getBoolValue()).isTrue();
    assertThat(dbl(s, "gen_ai.response.time_to_first_chunk")).isEqualTo(0.1);
    assertThat(attr(s, "gen_ai.usage.output_tokens")).isNull();
    assertThat(out.spans.get(0).getResource()).isEqualTo(RESOURCE);
    assertThat(out.spans.get(0).getScopeSpans(0).getScope()).isEqualTo(SCOPE);
    assertThat(closed).hasSize(1);
    assertThat(closed.get(0).labels().requestModel()).isEqualTo("gpt-4o");
    assertThat(closed.get(0).labels().serviceName()).isEqualTo("chat-app");
    assertThat(closed.get(0).intervalsMs()).containsExactly(50.0, 80.0);
    assertThat(metrics.get("condensed.span")).isEqualTo(4);
    assertThat(metrics.get("chunks.chunk_spans")).isEqualTo(3);
  }

  @Test
  void graceIsFixedFromStreamSpanArrivalNotExtendedByLaterChunks() {
    shard().onTraces(traces(streamSpan(0, 300).toBuilder().addAttributes(kv("gen_ai.request.stream", true)).build()));
    advance(Duration.ofMillis(1500));
    shard().onTraces(traces(chunk(T, STREAM, 11, 0, 0, 100)));
    advance(Duration.ofMillis(500));
    Span s = only();
    assertThat(lng(s, "llm_stream.chunk.count")).isEqualTo(1);
    assertThat(dbl(s, "llm_stream.ttft_ms")).isEqualTo(100.0);
  }

  @Test
  void plainSpansPassThroughAtOnceUnchanged() {
    Span plain = span(T, id(5), ROOT, "db.query", 0, 10).addAttributes(kv("db.system", "postgresql")).build();
    shard().onTraces(traces(plain));
    assertThat(only()).isEqualTo(plain);
    assertThat(metrics.get("passed.span")).isEqualTo(1);
  }

  @Test
  void streamSpanWithoutChunksOrAnnouncementPassesAtOnce() {
    Span s = span(T, STREAM, ROOT, "chat", 0, 10).addAttributes(kv("gen_ai.request.model", "m")).build();
    shard().onTraces(traces(s));
    assertThat(only()).isEqualTo(s);
  }

  @Test
  void announcedCandidateWithoutChunksPassesThroughUnchangedAfterGrace() {
    Span s = span(T, STREAM, ROOT, "chat", 0, 10).addAttributes(kv("gen_ai.request.stream", true)).build();
    shard().onTraces(traces(s));
    assertThat(out.allSpans()).isEmpty();
    assertThat(shard().openStreams()).isEqualTo(1);
    advance(Duration.ofSeconds(2));
    assertThat(only()).isEqualTo(s);
    assertThat(metrics.get("passed.span")).isEqualTo(1);
  }

  @Test
  void candidateCollectsChunkLogsArrivingWithinGraceAcrossSignals() {
    Span s = span(T, STREAM, ROOT, "chat", 0, 500).addAttributes(kv("gen_ai.request.stream", true))
        .addAttributes(kv("gen_ai.usage.output_tokens", 40L)).build();
    shard().onTraces(traces(s));
    shard().onLogs(logs(chunkLog(T, STREAM, 100), chunkLog(T, STREAM, 300), chunkLog(T, STREAM, 500)));
    assertThat(out.allLogs()).isEmpty();
    advance(Duration.ofSeconds(2));
    Span c = only();
    assertThat(str(c, "llm_stream.input_shape")).isEqualTo("chunk_logs");
    assertThat(lng(c, "llm_stream.chunk.count")).isEqualTo(3);
    assertThat(dbl(c, "llm_stream.sampling_ms")).isEqualTo(400.0);
    assertThat(dbl(c, "llm_stream.output_tokens_per_second")).isEqualTo(100.0);
    assertThat(str(c, "llm_stream.token_source")).isEqualTo("usage");
    assertThat(metrics.get("condensed.log_record")).isEqualTo(3);
  }

  @Test
  void chunkLogsWithoutTimeUseObservedTimeAndDuplicatesCountOnce() {
    var noTime = chunkLog(T, STREAM, 0).toBuilder().setTimeUnixNano(0).setObservedTimeUnixNano(ms(250)).build();
    shard().onLogs(logs(chunkLog(T, STREAM, 100), chunkLog(T, STREAM, 100), noTime));
    shard().onTraces(traces(streamSpan(0, 300)));
    advance(Duration.ofSeconds(2));
    Span c = only();
    assertThat(lng(c, "llm_stream.chunk.count")).isEqualTo(2);
    assertThat(dbl(c, "llm_stream.sampling_ms")).isEqualTo(150.0);
    assertThat(metrics.get("dropped.log_record.duplicate_chunk")).isEqualTo(1);
    assertThat(metrics.get("condensed.log_record")).isEqualTo(2);
  }

  @Test
  void duplicateChunkSpansCountOnceBySpanId() {
    Span c1 = chunk(T, STREAM, 11, 0, 0, 100);
    shard().onTraces(traces(c1, chunk(T, STREAM, 12, 1, 100, 200)));
    shard().onTraces(traces(c1, streamSpan(0, 300)));
    advance(Duration.ofSeconds(2));
    assertThat(lng(only(), "llm_stream.chunk.count")).isEqualTo(2);
    assertThat(metrics.get("dropped.span.duplicate_chunk")).isEqualTo(1);
    assertThat(metrics.get("duplicate")).isEqualTo(1);
  }

  @Test
  void shapeBWithoutAnnouncementClosesAtOnceAndKeepsOtherEvents() {
    Span b = span(T, STREAM, ROOT, "openai.chat", 0, 400)
        .addEvents(event("gen_ai.content.completion.chunk", 100, kv("llm_stream.chunk.tokens", 3L)))
        .addEvents(event("log", 150))
        .addEvents(event("llm.content.completion.chunk", 200, kv("llm_stream.chunk.tokens", 4L)))
        .build();
    shard().onTraces(traces(b));
    Span c = only();
    assertThat(c.getEventsList()).extracting(Span.Event::getName).containsExactly("log");
    assertThat(str(c, "llm_stream.input_shape")).isEqualTo("chunk_events");
    assertThat(lng(c, "llm_stream.output_tokens")).isEqualTo(7);
    assertThat(str(c, "llm_stream.token_source")).isEqualTo("chunk_attributes");
    assertThat(lng(c, "gen_ai.usage.output_tokens")).isEqualTo(7);
    assertThat(metrics.get("condensed.span_event")).isEqualTo(3);
  }

  @Test
  void shapeBDroppedEventsMarkTruncation() {
    Span b = span(T, STREAM, ROOT, "openai.chat", 0, 400).setDroppedEventsCount(5)
        .addEvents(event("gen_ai.content.completion.chunk", 100)).addEvents(event("gen_ai.content.completion.chunk", 200)).build();
    shard().onTraces(traces(b));
    Span c = only();
    assertThat(lng(c, "llm_stream.chunk.count")).isEqualTo(7);
    assertThat(attr(c, "llm_stream.chunks_truncated").getBoolValue()).isTrue();
    assertThat(attr(c, "llm_stream.sampling_ms")).isNull();
  }

  @Test
  void shapeDSummarySpanIsCondensedAfterGrace() {
    Span d = span(T, STREAM, ROOT, "qwen-code.llm_request", 0, 1000).addAttributes(kv("ttft_ms", 200L))
        .addAttributes(kv("sampling_ms", 700L)).addAttributes(kv("gen_ai.usage.output_tokens", 70L)).build();
    shard().onTraces(traces(d));
    advance(Duration.ofSeconds(2));
    Span c = only();
    assertThat(str(c, "llm_stream.input_shape")).isEqualTo("summary");
    assertThat(dbl(c, "llm_stream.ttft_ms")).isEqualTo(200.0);
    assertThat(dbl(c, "llm_stream.output_tokens_per_second")).isEqualTo(100.0);
    assertThat(attr(c, "llm_stream.chunk.count")).isNull();
    assertThat(lng(c, "ttft_ms")).isEqualTo(200L); // producer's key stays
  }

  @Test
  void idleTimeoutEmitsIncompleteSpanThenLateStreamSpanOnceThenDuplicatesDropped() {
    shard().onTraces(traces(chunk(T, STREAM, 11, 0, 10, 100), chunk(T, STREAM, 12, 1, 100, 300)));
    advance(Duration.ofSeconds(29));
    assertThat(out.allSpans()).isEmpty();
    advance(Duration.ofSeconds(1));
    Span inc = only();
    assertThat(inc.getName()).isEqualTo("llm_stream.incomplete");
    assertThat(inc.getParentSpanId()).isEqualTo(STREAM);
    assertThat(inc.getTraceId()).isEqualTo(T);
    assertThat(inc.getSpanId()).isNotEqualTo(STREAM);
    assertThat(inc.getSpanId().size()).isEqualTo(8);
    assertThat(inc.getKind()).isEqualTo(Span.SpanKind.SPAN_KIND_INTERNAL);
    assertThat(inc.getStatus().getCode()).isEqualTo(Status.StatusCode.STATUS_CODE_UNSET);
    assertThat(inc.getStartTimeUnixNano()).isEqualTo(ms(100));
    assertThat(inc.getEndTimeUnixNano()).isEqualTo(ms(300));
    assertThat(out.spans.get(0).getScopeSpans(0).getScope().getName()).isEqualTo("dev.streamfold");
    assertThat(out.spans.get(0).getResource()).isEqualTo(RESOURCE);
    assertThat(attr(inc, "llm_stream.complete").getBoolValue()).isFalse();
    assertThat(str(inc, "llm_stream.end_reason")).isEqualTo("idle_timeout");
    assertThat(attr(inc, "llm_stream.ttft_ms")).isNull();
    assertThat(attr(inc, "llm_stream.duration_ms")).isNull();
    assertThat(dbl(inc, "llm_stream.sampling_ms")).isEqualTo(200.0);
    assertThat(metrics.get("generated")).isEqualTo(1);
    assertThat(closed).hasSize(1);

    out.clear();
    shard().onTraces(traces(streamSpan(0, 400)));
    Span late = only();
    assertThat(late.getSpanId()).isEqualTo(STREAM);
    assertThat(attr(late, "llm_stream.late").getBoolValue()).isTrue();
    assertThat(attr(late, "llm_stream.complete").getBoolValue()).isFalse();
    assertThat(str(late, "llm_stream.end_reason")).isEqualTo("idle_timeout");
    assertThat(closed).hasSize(1); // metrics not recorded twice

    out.clear();
    shard().onTraces(traces(streamSpan(0, 400)));
    assertThat(out.allSpans()).isEmpty();
    assertThat(metrics.get("dropped.span.duplicate_stream_span")).isEqualTo(1);
  }

  @Test
  void lateChunkIsPassedWithLateFlagOrDroppedWhenConfigured() {
    shard().onTraces(traces(chunk(T, STREAM, 11, 0, 0, 100), streamSpan(0, 200)));
    advance(Duration.ofSeconds(2));
    out.clear();
    Span lateChunk = chunk(T, STREAM, 12, 1, 100, 150);
    shard().onTraces(traces(lateChunk));
    Span passed = only();
    assertThat(passed.getSpanId()).isEqualTo(lateChunk.getSpanId());
    assertThat(attr(passed, "llm_stream.late").getBoolValue()).isTrue();
    assertThat(metrics.get("late")).isEqualTo(1);

    WindowConfig dropCfg = TestConfig.window("late_chunks=drop");
    RecordingDownstream out2 = new RecordingDownstream();
    WindowShard s2 = new WindowShard(0, WindowSettings.of(dropCfg, 1), new Recognizer(dropCfg.rules()), out2, metrics, x -> {}, clock);
    s2.onTraces(traces(chunk(T, STREAM, 11, 0, 0, 100), streamSpan(0, 200)));
    clock.advance(Duration.ofSeconds(2));
    s2.tick();
    out2.clear();
    s2.onTraces(traces(lateChunk));
    assertThat(out2.allSpans()).isEmpty();
    assertThat(metrics.get("dropped.span.late_chunk")).isEqualTo(1);
  }

  @Test
  void duplicateStreamSpanWhileOpenIsDropped() {
    shard().onTraces(traces(chunk(T, STREAM, 11, 0, 0, 100), streamSpan(0, 200)));
    shard().onTraces(traces(streamSpan(0, 200)));
    advance(Duration.ofSeconds(2));
    assertThat(out.allSpans()).hasSize(1);
    assertThat(metrics.get("dropped.span.duplicate_stream_span")).isEqualTo(1);
  }

  @Test
  void maxAgeClosesLongStreamsEvenWhenActive() {
    cfg = TestConfig.window("max_stream_age=60s");
    for (int i = 0; i < 6; i++) {
      shard().onTraces(traces(chunk(T, STREAM, 11 + i, i, i * 10, i * 10 + 5)));
      advance(Duration.ofSeconds(10));
    }
    Span inc = only();
    assertThat(str(inc, "llm_stream.end_reason")).isEqualTo("max_age");
    assertThat(lng(inc, "llm_stream.chunk.count")).isEqualTo(6);
  }

  @Test
  void maxOpenStreamsEvictsLeastRecentlyActive() {
    cfg = TestConfig.window("max_open_streams=2");
    shard().onTraces(traces(chunk(trace(1), id(1), 11, 0, 0, 1)));
    clock.advance(Duration.ofMillis(1));
    shard().onTraces(traces(chunk(trace(2), id(2), 12, 0, 0, 1)));
    clock.advance(Duration.ofMillis(1));
    shard().onTraces(traces(chunk(trace(1), id(1), 13, 1, 1, 2))); // trace 1 active again
    shard().onTraces(traces(chunk(trace(3), id(3), 14, 0, 0, 1)));
    Span evicted = only();
    assertThat(evicted.getTraceId()).isEqualTo(trace(2));
    assertThat(str(evicted, "llm_stream.end_reason")).isEqualTo("evicted");
    assertThat(shard().openStreams()).isEqualTo(2);
  }

  @Test
  void memoryBudgetEvictsAndStaysBounded() {
    cfg = TestConfig.window("memory_budget_mib=1");
    for (int t = 0; t < 5000; t++) {
      shard().onTraces(traces(chunk(trace(t), id(t), 100_000 + t, 0, 0, 1)));
    }
    assertThat(shard().memoryBytes()).isLessThanOrEqualTo(1024 * 1024);
    assertThat(shard().openStreams()).isLessThan(5000);
    assertThat(out.allSpans()).allSatisfy(s -> assertThat(str(s, "llm_stream.end_reason")).isEqualTo("evicted"));
    assertThat(out.allSpans().size() + shard().openStreams()).isEqualTo(5000);
  }

  @Test
  void maxChunksPerStreamTruncatesAndCounts() {
    cfg = TestConfig.window("max_chunks_per_stream=3");
    for (int i = 0; i < 5; i++) {
      shard().onTraces(traces(chunk(T, STREAM, 11 + i, i, i * 10, i * 10 + 5)));
    }
    shard().onTraces(traces(streamSpan(0, 100)));
    advance(Duration.ofSeconds(2));
    Span c = only();
    assertThat(lng(c, "llm_stream.chunk.count")).isEqualTo(5);
    assertThat(attr(c, "llm_stream.chunks_truncated").getBoolValue()).isTrue();
    assertThat(attr(c, "llm_stream.sampling_ms")).isNull();
    assertThat(metrics.get("dropped.span.chunks_truncated")).isEqualTo(2);
  }

  @Test
  void childOfDroppedChunkSpanIsReparentedToTheStreamSpan() {
    Span c = chunk(T, STREAM, 11, 0, 0, 100);
    Span child = span(T, id(500), c.getSpanId(), "tool.call", 10, 20).build();
    Span orphanFirst = span(T, id(501), id(12), "tool.call", 10, 20).build();
    shard().onTraces(traces(orphanFirst)); // arrives before its chunk span: unchanged
    assertThat(only()).isEqualTo(orphanFirst);
    out.clear();
    shard().onTraces(traces(c, child));
    Span moved = only();
    assertThat(moved.getSpanId()).isEqualTo(id(500));
    assertThat(moved.getParentSpanId()).isEqualTo(STREAM);
    assertThat(metrics.get("reparented.true")).isEqualTo(1);
  }

  @Test
  void streamIdOverrideAttributeGroupsChunks() {
    ByteString other = id(777);
    Span c1 = span(T, id(11), id(999), "respond::chunk_0", 0, 100).addAttributes(kv("llm_stream.stream_id", hex(other))).build();
    Span c2 = span(T, id(12), id(998), "respond::chunk_1", 100, 200).addAttributes(kv("llm_stream.stream_id", hex(other))).build();
    shard().onTraces(traces(c1, c2));
    assertThat(shard().openStreams()).isEqualTo(1);
    advance(Duration.ofSeconds(30));
    assertThat(only().getParentSpanId()).isEqualTo(other);
  }

  @Test
  void isChunkAttributeMakesAnySpanAChunkAndMastraRuleMatches() {
    Span generic = span(T, id(11), STREAM, "whatever", 0, 100).addAttributes(kv("llm_stream.is_chunk", true)).build();
    Span mastra = span(T, id(12), STREAM, "chunk", 0, 150).addAttributes(kv("mastra.span.type", "model_chunk")).build();
    shard().onTraces(traces(generic, mastra, streamSpan(0, 200)));
    advance(Duration.ofSeconds(2));
    assertThat(lng(only(), "llm_stream.chunk.count")).isEqualTo(2);
  }

  @Test
  void firstChunkMarkerSetsTtftOnly() {
    Span s = streamSpan(0, 500).toBuilder().addEvents(event("ai.stream.firstChunk", 40)).build();
    shard().onTraces(traces(chunk(T, STREAM, 11, 0, 0, 100), chunk(T, STREAM, 12, 1, 100, 200), s));
    advance(Duration.ofSeconds(2));
    Span c = only();
    assertThat(dbl(c, "llm_stream.ttft_ms")).isEqualTo(40.0);
    assertThat(lng(c, "llm_stream.chunk.count")).isEqualTo(2);
    assertThat(c.getEventsList()).extracting(Span.Event::getName).containsExactly("ai.stream.firstChunk");
  }

  @Test
  void errorStreamKeepsStatusAndLabelsErrorTypeFromExceptionEvent() {
    Span s = streamSpan(0, 500).toBuilder()
        .setStatus(Status.newBuilder().setCode(Status.StatusCode.STATUS_CODE_ERROR).setMessage("boom"))
        .addEvents(event("exception", 400, kv("exception.type", "TimeoutError"))).build();
    shard().onTraces(traces(chunk(T, STREAM, 11, 0, 0, 100), s));
    advance(Duration.ofSeconds(2));
    assertThat(only().getStatus().getCode()).isEqualTo(Status.StatusCode.STATUS_CODE_ERROR);
    assertThat(closed.get(0).labels().errorType()).isEqualTo("TimeoutError");
  }

  @Test
  void keepModePassesChunksAndStillCondenses() {
    cfg = TestConfig.window("chunk_spans=keep");
    Span c = chunk(T, STREAM, 11, 0, 0, 100);
    shard().onTraces(traces(c, streamSpan(0, 200)));
    assertThat(out.allSpans()).containsExactly(c);
    advance(Duration.ofSeconds(2));
    assertThat(out.allSpans()).hasSize(2);
    assertThat(lng(out.allSpans().get(1), "llm_stream.chunk.count")).isEqualTo(1);
  }

  @Test
  void closeAllOnShutdownUsesStreamEndForStreamsWithSpanElseShutdown() {
    shard().onTraces(traces(chunk(T, STREAM, 11, 0, 0, 100), streamSpan(0, 200)));
    shard().onTraces(traces(chunk(trace(2), id(9), 12, 0, 0, 100)));
    shard().closeAll();
    assertThat(out.allSpans()).extracting(s -> str(s, "llm_stream.end_reason")).containsExactlyInAnyOrder("stream_end", "shutdown");
    assertThat(out.allSpans()).filteredOn(s -> s.getSpanId().equals(STREAM))
        .allSatisfy(s -> assertThat(attr(s, "llm_stream.complete").getBoolValue()).isTrue());
    assertThat(shard().openStreams()).isZero();
  }

  @Test
  void recentlyClosedKeysExpireAfterTtl() {
    shard().onTraces(traces(chunk(T, STREAM, 11, 0, 0, 100), streamSpan(0, 200)));
    advance(Duration.ofSeconds(2));
    assertThat(shard().recentlyClosed()).isEqualTo(1);
    advance(Duration.ofMinutes(5));
    assertThat(shard().recentlyClosed()).isZero();
    out.clear();
    shard().onTraces(traces(chunk(T, STREAM, 12, 1, 100, 150)));
    assertThat(out.allSpans()).isEmpty(); // a new stream, not late
    assertThat(shard().openStreams()).isEqualTo(1);
  }

  @Test
  void sameStreamIdInTwoTracesIsTwoStreams() {
    shard().onTraces(traces(chunk(trace(1), STREAM, 11, 0, 0, 100), chunk(trace(2), STREAM, 12, 0, 0, 100)));
    assertThat(shard().openStreams()).isEqualTo(2);
  }

  @Test
  void conservationHoldsForAMixedRun() {
    Span plain = span(T, id(5), ROOT, "http", 0, 10).addEvents(event("e", 1)).build();
    Span c1 = chunk(T, STREAM, 11, 0, 0, 100);
    shard().onTraces(traces(plain, c1, c1, chunk(T, STREAM, 12, 1, 100, 150)));
    shard().onLogs(logs(chunkLog(T, STREAM, 120), chunkLog(trace(3), id(3), 10)));
    shard().onTraces(traces(streamSpan(0, 200)));
    advance(Duration.ofSeconds(2));
    shard().onTraces(traces(chunk(T, STREAM, 13, 2, 150, 160))); // late
    // received: spans 6 (plain, c1 x2, c2, stream, late), events 1, logs 2
    long spans = metrics.get("passed.span") + metrics.get("condensed.span") + metrics.sum("dropped.span.") + shard().buffered(dev.streamfold.pipeline.Unit.SPAN);
    long logs = metrics.get("passed.log_record") + metrics.get("condensed.log_record") + metrics.sum("dropped.log_record.")
        + shard().buffered(dev.streamfold.pipeline.Unit.LOG_RECORD);
    long events = metrics.get("passed.span_event") + metrics.get("condensed.span_event") + metrics.sum("dropped.span_event.")
        + shard().buffered(dev.streamfold.pipeline.Unit.SPAN_EVENT);
    assertThat(spans).isEqualTo(6);
    assertThat(logs).isEqualTo(2);
    assertThat(events).isEqualTo(1);
    assertThat(shard().buffered(dev.streamfold.pipeline.Unit.LOG_RECORD)).isEqualTo(1); // trace 3 still open
  }
}
