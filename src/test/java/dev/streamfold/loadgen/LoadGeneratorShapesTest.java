package dev.streamfold.loadgen;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.streamfold.loadgen.CapturingTransport.Captured;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.logs.v1.LogRecord;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import com.google.protobuf.ByteString;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class LoadGeneratorShapesTest {
  private static final String TRACE_CHUNK_RE = "stream_chat::chunk_\\d+";

  private record Run(LoadStats stats, List<CapturingTransport> transports) {
    List<Span> spans() {
      return CapturingTransport.spans(transports).stream().map(Captured::item).toList();
    }

    List<LogRecord> logs() {
      return CapturingTransport.logs(transports).stream().map(Captured::item).toList();
    }
  }

  private static Run run(String... args) {
    LoadGenOptions o = LoadGenOptions.parse(args);
    List<CapturingTransport> ts = new ArrayList<>();
    LoadGenerator.Result r = LoadGenerator.run(o, new PrintStream(new ByteArrayOutputStream()), stats -> {
      CapturingTransport t = new CapturingTransport(stats);
      synchronized (ts) {
        ts.add(t);
      }
      return t;
    }, new AtomicBoolean());
    return new Run(r.stats(), ts);
  }

  @Test
  void shapeA_chunkSpansAreChildrenOfTheStreamSpanInTimeOrder() {
    Run run = run("--shape", "A", "--streams", "20", "--chunks-per-stream", "10", "--jitter", "0",
        "--ttft-ms", "400", "--chunk-interval-ms", "20", "--chunk-tokens", "--seed", "7", "--spans-per-request", "37",
        "--connections", "2");
    List<Span> spans = run.spans();
    Map<ByteString, List<Span>> byTrace = spans.stream().collect(Collectors.groupingBy(Span::getTraceId));
    assertThat(byTrace).hasSize(20);
    for (List<Span> trace : byTrace.values()) {
      List<Span> streamSpans = trace.stream().filter(s -> s.getName().startsWith("chat ")).toList();
      assertThat(streamSpans).hasSize(1);
      Span stream = streamSpans.get(0);
      assertValidIds(stream);
      assertThat(stream.getParentSpanId()).isEmpty();
      assertThat(stream.getKind()).isEqualTo(Span.SpanKind.SPAN_KIND_CLIENT);
      assertThat(attr(stream, "gen_ai.request.stream").getBoolValue()).isTrue();
      assertThat(attr(stream, "gen_ai.operation.name").getStringValue()).isEqualTo("chat");
      assertThat(attr(stream, "gen_ai.request.model").getStringValue()).isEqualTo(stream.getName().substring(5));
      assertThat(attr(stream, OtlpItems.SENT_ATTRIBUTE).getIntValue()).isPositive();

      List<Span> chunks = trace.stream().filter(s -> s != stream).toList();
      assertThat(chunks).hasSize(10);
      long tokens = 0;
      long prevEnd = stream.getStartTimeUnixNano();
      for (int i = 0; i < chunks.size(); i++) {
        Span c = chunks.get(i);
        assertValidIds(c);
        assertThat(c.getName()).isEqualTo("stream_chat::chunk_" + i).matches(TRACE_CHUNK_RE);
        assertThat(c.getParentSpanId()).isEqualTo(stream.getSpanId());
        assertThat(c.getStartTimeUnixNano()).isGreaterThanOrEqualTo(prevEnd).isLessThanOrEqualTo(c.getEndTimeUnixNano());
        assertThat(c.getEndTimeUnixNano()).isGreaterThan(prevEnd);
        prevEnd = c.getEndTimeUnixNano();
        tokens += attr(c, OtlpItems.CHUNK_TOKENS).getIntValue();
      }
      assertThat(stream.getEndTimeUnixNano()).isGreaterThan(prevEnd);
      // jitter 0: TTFT and intervals are exactly as configured
      assertThat(chunks.get(0).getEndTimeUnixNano() - stream.getStartTimeUnixNano()).isEqualTo(400_000_000L);
      assertThat(chunks.get(1).getEndTimeUnixNano() - chunks.get(0).getEndTimeUnixNano()).isEqualTo(20_000_000L);
      assertThat(attr(stream, "gen_ai.usage.output_tokens").getIntValue()).isEqualTo(tokens);
    }
    assertThat(spans.stream().map(Span::getSpanId).collect(Collectors.toSet())).hasSize(spans.size());
    LoadStats st = run.stats();
    assertThat(st.get(LoadStats.OK, LoadStats.STREAMS)).isEqualTo(20);
    assertThat(st.get(LoadStats.OK, LoadStats.CHUNK_SPANS)).isEqualTo(200);
    assertThat(st.get(LoadStats.OK, LoadStats.STREAM_SPANS)).isEqualTo(20);
    assertThat(st.get(LoadStats.OK, LoadStats.SPANS)).isEqualTo(spans.size()).isEqualTo(220);
    for (CapturingTransport t : run.transports()) {
      for (ExportTraceServiceRequest req : t.traces) {
        assertThat(spanCount(req)).isBetween(1, 37);
      }
    }
    assertThat(st.get(LoadStats.OK, LoadStats.REQUESTS)).isEqualTo(run.transports().stream().mapToInt(t -> t.traces.size()).sum());
  }

  @Test
  void shapeB_streamSpanCarriesOneChunkEventPerChunk() {
    Run run = run("--shape", "B", "--streams", "15", "--chunks-per-stream", "12", "--jitter", "0", "--seed", "3");
    List<Span> spans = run.spans();
    assertThat(spans).hasSize(15);
    for (Span s : spans) {
      assertValidIds(s);
      assertThat(s.getEventsCount()).isEqualTo(12);
      long prev = s.getStartTimeUnixNano();
      for (Span.Event e : s.getEventsList()) {
        assertThat(e.getName()).isEqualTo("gen_ai.content.completion.chunk");
        assertThat(e.getTimeUnixNano()).isGreaterThan(prev);
        prev = e.getTimeUnixNano();
      }
      assertThat(s.getEndTimeUnixNano()).isGreaterThan(prev);
      assertThat(attr(s, "gen_ai.usage.output_tokens").getIntValue()).isBetween(12L, 36L);
    }
    assertThat(run.stats().get(LoadStats.OK, LoadStats.CHUNK_EVENTS)).isEqualTo(180);
    assertThat(run.stats().get(LoadStats.OK, LoadStats.EVENTS)).isEqualTo(180);
    assertThat(run.stats().get(LoadStats.OK, LoadStats.STREAMS)).isEqualTo(15);
  }

  @Test
  void shapeC_chunkLogsCarryTheStreamSpanContext() {
    Run run = run("--shape", "C", "--streams", "10", "--chunks-per-stream", "6", "--jitter", "0", "--seed", "5",
        "--spans-per-request", "4");
    List<Span> spans = run.spans();
    List<LogRecord> logs = run.logs();
    assertThat(spans).hasSize(10);
    assertThat(logs).hasSize(60);
    Map<ByteString, Span> streamBySpanId = new HashMap<>();
    for (Span s : spans) {
      assertValidIds(s);
      streamBySpanId.put(s.getSpanId(), s);
    }
    Map<ByteString, List<LogRecord>> bySpan = logs.stream().collect(Collectors.groupingBy(LogRecord::getSpanId));
    assertThat(bySpan.keySet()).isEqualTo(streamBySpanId.keySet());
    for (Map.Entry<ByteString, List<LogRecord>> e : bySpan.entrySet()) {
      Span stream = streamBySpanId.get(e.getKey());
      long prev = stream.getStartTimeUnixNano();
      for (LogRecord l : e.getValue()) {
        assertThat(l.getEventName()).isEqualTo("gen_ai.content.completion.chunk");
        assertThat(l.getTraceId()).isEqualTo(stream.getTraceId());
        assertThat(l.getTimeUnixNano()).isGreaterThan(prev).isLessThan(stream.getEndTimeUnixNano());
        prev = l.getTimeUnixNano();
      }
      assertThat(e.getValue()).hasSize(6);
    }
    assertThat(run.stats().get(LoadStats.OK, LoadStats.CHUNK_LOGS)).isEqualTo(60);
    assertThat(run.stats().get(LoadStats.OK, LoadStats.LOGS)).isEqualTo(60);
    for (CapturingTransport t : run.transports()) {
      t.logs.forEach(r -> assertThat(r.getResourceLogsList().stream()
          .flatMap(rl -> rl.getScopeLogsList().stream()).mapToInt(sl -> sl.getLogRecordsCount()).sum()).isBetween(1, 4));
    }
  }

  @Test
  void shapeD_summarySpanCarriesQwenCodeAttributes() {
    Run run = run("--shape", "D", "--streams", "10", "--chunks-per-stream", "11", "--jitter", "0",
        "--ttft-ms", "250", "--chunk-interval-ms", "30", "--seed", "9");
    List<Span> spans = run.spans();
    assertThat(spans).hasSize(10);
    for (Span s : spans) {
      assertValidIds(s);
      assertThat(s.getEventsCount()).isZero();
      assertThat(attr(s, "ttft_ms").getIntValue()).isEqualTo(250);
      long sampling = attr(s, "sampling_ms").getIntValue();
      assertThat(sampling).isEqualTo((s.getEndTimeUnixNano() - s.getStartTimeUnixNano()) / 1_000_000 - 250);
      assertThat(sampling).isGreaterThanOrEqualTo(300);
      long out = attr(s, "gen_ai.usage.output_tokens").getIntValue();
      assertThat(out).isPositive();
      assertThat(attr(s, "output_tokens_per_second").getDoubleValue())
          .isEqualTo(Math.round(out / (sampling / 1000.0) * 100) / 100.0);
    }
    assertThat(run.stats().get(LoadStats.OK, LoadStats.STREAMS)).isEqualTo(10);
    assertThat(run.stats().chunkItemsOk()).isZero();
  }

  @Test
  void jitteredChunkCountsStayInBoundsAndAddUpToTheReport() {
    Run run = run("--shape", "A", "--streams", "200", "--chunks-per-stream", "10", "--jitter", "0.5", "--seed", "11");
    Map<ByteString, Long> chunksPerTrace = run.spans().stream().filter(s -> !s.getParentSpanId().isEmpty())
        .collect(Collectors.groupingBy(Span::getTraceId, Collectors.counting()));
    assertThat(chunksPerTrace).hasSize(200);
    assertThat(chunksPerTrace.values()).allSatisfy(n -> assertThat(n).isBetween(5L, 15L));
    assertThat(new HashSet<>(chunksPerTrace.values()).size()).isGreaterThan(3);
    assertThat(chunksPerTrace.values().stream().mapToLong(Long::longValue).sum())
        .isEqualTo(run.stats().get(LoadStats.OK, LoadStats.CHUNK_SPANS));
  }

  @Test
  void mixUsesEveryShapeAndLabelSet() {
    Run run = run("--shape", "mix", "--streams", "200", "--chunks-per-stream", "3", "--seed", "13",
        "--services", "2", "--models", "m1,claude-x");
    List<Captured<Span>> spans = CapturingTransport.spans(run.transports());
    Set<String> scopes = spans.stream().map(Captured::scope).collect(Collectors.toSet());
    assertThat(scopes).hasSize(4);
    assertThat(spans.stream().map(Captured::service).collect(Collectors.toSet())).containsExactlyInAnyOrder("service-0", "service-1");
    assertThat(spans.stream().filter(c -> c.item().getName().startsWith("chat "))
        .map(c -> attr(c.item(), "gen_ai.provider.name").getStringValue()).collect(Collectors.toSet()))
        .containsExactlyInAnyOrder("openai", "anthropic");
    assertThat(run.logs()).isNotEmpty();
    LoadStats st = run.stats();
    assertThat(st.get(LoadStats.OK, LoadStats.STREAMS)).isEqualTo(200);
    assertThat(st.get(LoadStats.OK, LoadStats.STREAM_SPANS)).isEqualTo(200);
  }

  @Test
  void noStreamSpanSendsOnlyChunks() {
    Run run = run("--shape", "A", "--no-stream-span", "--streams", "5", "--chunks-per-stream", "4", "--jitter", "0");
    assertThat(run.spans()).hasSize(20).allSatisfy(s -> assertThat(s.getName()).matches(TRACE_CHUNK_RE));
    assertThat(run.stats().get(LoadStats.OK, LoadStats.STREAMS)).isEqualTo(5);
  }

  @Test
  void sameSeedSameIds() {
    Set<ByteString> a = run("--shape", "A", "--streams", "5", "--seed", "42").spans().stream().map(Span::getSpanId).collect(Collectors.toSet());
    Set<ByteString> b = run("--shape", "A", "--streams", "5", "--seed", "42").spans().stream().map(Span::getSpanId).collect(Collectors.toSet());
    Set<ByteString> c = run("--shape", "A", "--streams", "5", "--seed", "43").spans().stream().map(Span::getSpanId).collect(Collectors.toSet());
    assertThat(a).isEqualTo(b);
    assertThat(a).doesNotContainAnyElementsOf(c);
  }

  @Test
  void openLoopWithDurationStopsAndFinishesItsStreams() {
    Run run = run("--shape", "A", "--streams-per-second", "200", "--duration", "0.3", "--chunks-per-stream", "3",
        "--ttft-ms", "1", "--chunk-interval-ms", "1");
    LoadStats st = run.stats();
    assertThat(st.get(LoadStats.OK, LoadStats.STREAMS)).isPositive();
    // every stream started was completed: one stream span per trace, each with its chunks
    Map<ByteString, List<Span>> byTrace = run.spans().stream().collect(Collectors.groupingBy(Span::getTraceId));
    assertThat(byTrace.values()).allSatisfy(t -> assertThat(t.stream().filter(s -> s.getParentSpanId().isEmpty())).hasSize(1));
    assertThat(byTrace).hasSize((int) st.get(LoadStats.OK, LoadStats.STREAMS));
  }

  @Test
  void optionsAreValidated() {
    assertThatThrownBy(() -> LoadGenOptions.parse("--shape", "E")).hasMessageContaining("--shape");
    assertThatThrownBy(() -> LoadGenOptions.parse("--streams-per-second", "0")).hasMessageContaining("> 0");
    assertThatThrownBy(() -> LoadGenOptions.parse("--closed-loop", "--streams-per-second", "5")).hasMessageContaining("exclude");
    assertThatThrownBy(() -> LoadGenOptions.parse("--endpoint", "nohost")).hasMessageContaining("host:port");
    assertThatThrownBy(() -> LoadGenOptions.parse("--connections")).hasMessageContaining("needs a value");
    assertThatThrownBy(() -> LoadGenOptions.parse("--bogus", "1")).hasMessageContaining("unknown option");
    assertThatThrownBy(() -> LoadGenOptions.parse("--shape", "B", "--no-stream-span")).hasMessageContaining("--no-stream-span");
    LoadGenOptions o = LoadGenOptions.parse("--streams=5", "--shape=chunk_logs", "--services", "a, b");
    assertThat(o.streams).isEqualTo(5);
    assertThat(o.durationSeconds).isZero();
    assertThat(o.closedLoop).isTrue();
    assertThat(o.shape).isEqualTo(Shape.C);
    assertThat(o.services).containsExactly("a", "b");
  }

  @Test
  void helpAndBadArgumentsExitCodes() {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    assertThat(LoadGenerator.execute(new String[] {"--help"}, new PrintStream(out), new PrintStream(err))).isZero();
    assertThat(out.toString(StandardCharsets.UTF_8)).contains("--streams-per-second", "--closed-loop", "--token");
    assertThat(LoadGenerator.execute(new String[] {"--in-flight", "0"}, new PrintStream(out), new PrintStream(err))).isEqualTo(2);
    assertThat(err.toString(StandardCharsets.UTF_8)).contains("--in-flight");
  }

  private static int spanCount(ExportTraceServiceRequest req) {
    int n = 0;
    for (ResourceSpans rs : req.getResourceSpansList()) {
      for (ScopeSpans ss : rs.getScopeSpansList()) {
        n += ss.getSpansCount();
      }
    }
    return n;
  }

  private static void assertValidIds(Span s) {
    assertThat(s.getTraceId().size()).isEqualTo(16);
    assertThat(s.getSpanId().size()).isEqualTo(8);
    assertThat(s.getTraceId()).isNotEqualTo(ByteString.copyFrom(new byte[16]));
    assertThat(s.getSpanId()).isNotEqualTo(ByteString.copyFrom(new byte[8]));
    assertThat(s.getParentSpanId().size()).isIn(0, 8);
  }

  private static AnyValue attr(Span s, String key) {
    for (KeyValue kv : s.getAttributesList()) {
      if (kv.getKey().equals(key)) {
        return kv.getValue();
      }
    }
    throw new AssertionError("no attribute " + key + " on " + s.getName());
  }
}
