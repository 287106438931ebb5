package dev.streamfold.window;

import static dev.streamfold.testing.Otlp.*;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import dev.streamfold.config.TestConfig;
import dev.streamfold.config.WindowConfig;
import dev.streamfold.derive.ClosedStream;
import dev.streamfold.pipeline.Unit;
import dev.streamfold.telemetry.InMemoryMetrics;
import dev.streamfold.testing.RecordingDownstream;
import dev.streamfold.time.ManualClock;
import io.opentelemetry.proto.trace.v1.Span;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/**
 * SPEC revision 2 (producer truth), one rule and one arrival order per test, on one shard with a
 * manual clock: children of chunk spans in every order, spans held for an unknown parent, GenAI
 * client spans held for their late chunk logs, block chunk spans and the
 * {@code mastra.completion_start_time} marker.
 */
class ProducerTruthTest extends OneShard {

  static final ByteString T = trace(7);
  static final ByteString ROOT = id(1);
  static final ByteString STREAM = id(100);
  static final ByteString K1 = id(11);
  static final ByteString K2 = id(12);

  static Span chatSpan(double start, double end) {
    return span(T, STREAM, ROOT, "chat gpt-4o", start, end)
        .setKind(Span.SpanKind.SPAN_KIND_CLIENT)
        .addAttributes(kv("gen_ai.operation.name", "chat"))
        .addAttributes(kv("gen_ai.request.model", "gpt-4o"))
        .build();
  }

  static Span child(long id, ByteString parent, double start, double end) {
    return span(T, id(id), parent, "tool.filter", start, end).build();
  }

  Span out(ByteString spanId) {
    return out.allSpans().stream().filter(s -> s.getSpanId().equals(spanId)).findFirst().orElseThrow();
  }

  /** received = passed + condensed + dropped + buffered, for spans. */
  void conserved(long receivedSpans) {
    assertThat(metrics.get("passed.span") + metrics.get("condensed.span") + metrics.sum("dropped.span.") + shard().buffered(Unit.SPAN))
        .isEqualTo(receivedSpans);
  }

  // ---------------------------------------------------------------- children of chunk spans

  @Test
  void childInAnEarlierRequestIsHeldAndReparentedWhenItsChunkArrives() {
    shard().onTraces(traces(chunk(T, STREAM, 11, 0, 0, 10)));
    shard().onTraces(traces(child(21, K2, 12, 14)));
    assertThat(out.allSpans()).isEmpty();
    assertThat(shard().buffered(Unit.SPAN)).isEqualTo(2);
    conserved(2);

    shard().onTraces(traces(chunk(T, STREAM, 12, 1, 10, 20), chatSpan(0, 30)));
    assertThat(out(id(21)).getParentSpanId()).isEqualTo(STREAM);
    assertThat(metrics.get("reparented.true")).isEqualTo(1);
    advance(cfg.finalizeGrace());
    assertThat(out.allSpans()).extracting(Span::getSpanId).containsExactlyInAnyOrder(id(21), STREAM);
    conserved(4);
  }

  @Test
  void childEarlierInTheSameRequestIsReparented() {
    // the SDK's end order: the child, its chunk, the next chunk, the stream span
    shard().onTraces(traces(child(21, K1, 2, 4), chunk(T, STREAM, 11, 0, 0, 10), chunk(T, STREAM, 12, 1, 10, 20), chatSpan(0, 30)));
    advance(cfg.finalizeGrace());
    assertThat(out(id(21)).getParentSpanId()).isEqualTo(STREAM);
    assertThat(lng(out(STREAM), "llm_stream.chunk.count")).isEqualTo(2);
    assertThat(out.allSpans()).hasSize(2);
    conserved(4);
  }

  @Test
  void childAfterItsChunkIsReparentedAtOnce() {
    shard().onTraces(traces(chunk(T, STREAM, 11, 0, 0, 10)));
    shard().onTraces(traces(child(21, K1, 2, 4)));
    assertThat(out(id(21)).getParentSpanId()).isEqualTo(STREAM);
  }

  @Test
  void grandchildWaitsForItsParentWhichWaitsForTheChunk() {
    shard().onTraces(traces(chunk(T, STREAM, 11, 0, 0, 10)));
    shard().onTraces(traces(child(22, id(21), 12, 13)));
    shard().onTraces(traces(child(21, K2, 11, 14)));
    // its parent turned up (it will be in the output): the grandchild goes, unchanged
    assertThat(out.allSpans()).extracting(Span::getSpanId).containsExactly(id(22));
    shard().onTraces(traces(chunk(T, STREAM, 12, 1, 10, 20)));
    assertThat(out(id(21)).getParentSpanId()).isEqualTo(STREAM);
    assertThat(out(id(22)).getParentSpanId()).isEqualTo(id(21));
  }

  @Test
  void unknownParentThatIsNoChunkIsReleasedUnchangedWhenItArrives() {
    shard().onTraces(traces(chunk(T, STREAM, 11, 0, 0, 10)));
    Span sibling = child(31, id(30), 1, 2);
    shard().onTraces(traces(sibling));
    assertThat(out.allSpans()).isEmpty();
    Span parent = span(T, id(30), null, "agent", 0, 40).build();
    shard().onTraces(traces(parent));
    assertThat(out.allSpans()).containsExactlyInAnyOrder(sibling, parent);
    assertThat(metrics.get("reparented.true")).isZero();
  }

  @Test
  void unknownParentIsReleasedUnchangedWhenTheTracesStreamsClose() {
    shard().onTraces(traces(chunk(T, STREAM, 11, 0, 0, 10)));
    Span sibling = child(31, ROOT, 1, 2);
    shard().onTraces(traces(sibling));
    shard().onTraces(traces(chatSpan(0, 30)));
    assertThat(out.allSpans()).isEmpty();
    advance(cfg.finalizeGrace());
    assertThat(out.allSpans()).contains(sibling);
    assertThat(shard().buffered(Unit.SPAN)).isZero();
    conserved(3);
  }

  @Test
  void knownParentsAreNotWaitedFor() {
    shard().onTraces(traces(chunk(T, STREAM, 11, 0, 0, 10)));
    Span toStream = child(41, STREAM, 1, 2);
    Span plainParent = span(T, id(50), null, "root", 0, 5).build();
    Span toPlain = child(51, id(50), 1, 2);
    shard().onTraces(traces(toStream, plainParent));
    shard().onTraces(traces(toPlain));
    assertThat(out.allSpans()).containsExactlyInAnyOrder(toStream, plainParent, toPlain);
  }

  @Test
  void spansOfTracesWithoutAnOpenStreamPassAtOnce() {
    Span orphan = span(trace(8), id(61), id(60), "x", 0, 1).build();
    shard().onTraces(traces(orphan));
    assertThat(out.allSpans()).containsExactly(orphan);
  }

  @Test
  void heldSpansAreBoundedAndTheOldestGoesOutUncheckedCounted() {
    cfg = TestConfig.window("max_held_spans=1");
    shard().onTraces(traces(chunk(T, STREAM, 11, 0, 0, 10)));
    Span first = child(71, id(70), 1, 2);
    shard().onTraces(traces(first));
    shard().onTraces(traces(child(72, id(70), 1, 2)));
    assertThat(out.allSpans()).containsExactly(first);
    assertThat(metrics.get("reparented.false")).isEqualTo(1);
    assertThat(shard().buffered(Unit.SPAN)).isEqualTo(2);
    conserved(3);
  }

  // ---------------------------------------------------------------- chunk logs and their span

  @Test
  void chunkLogsAfterTheirGenAiClientSpanAttachToIt() {
    Span chat = chatSpan(0, 300);
    shard().onTraces(traces(chat));
    assertThat(out.allSpans()).as("a GenAI client span is held for the grace").isEmpty();
    advance(Duration.ofMillis(500));
    shard().onLogs(logs(chunkLog(T, STREAM, 100), chunkLog(T, STREAM, 150), chunkLog(T, STREAM, 290)));
    advance(cfg.finalizeGrace());
    Span c = only();
    assertThat(c.getSpanId()).isEqualTo(STREAM);
    assertThat(str(c, "llm_stream.input_shape")).isEqualTo("chunk_logs");
    assertThat(lng(c, "llm_stream.chunk.count")).isEqualTo(3);
    assertThat(dbl(c, "llm_stream.ttft_ms")).isEqualTo(100.0);
    assertThat(metrics.get("generated")).isZero();
  }

  @Test
  void chunkLogsBeforeTheirSpanAttachToIt() {
    shard().onLogs(logs(chunkLog(T, STREAM, 100), chunkLog(T, STREAM, 150)));
    advance(Duration.ofSeconds(5));
    shard().onTraces(traces(chatSpan(0, 300)));
    advance(cfg.finalizeGrace());
    Span c = only();
    assertThat(lng(c, "llm_stream.chunk.count")).isEqualTo(2);
    assertThat(attr(c, "llm_stream.complete").getBoolValue()).isTrue();
  }

  @Test
  void genAiClientSpanWithoutChunksPassesUnchangedAfterTheGrace() {
    Span chat = chatSpan(0, 300);
    shard().onTraces(traces(chat));
    advance(cfg.finalizeGrace());
    assertThat(only()).isEqualTo(chat);
    assertThat(closed).isEmpty();
  }

  // ---------------------------------------------------------------- blocks and the marker

  static Span block(long id, double start, double end) {
    return span(T, id(id), STREAM, "model_chunk", start, end).addAttributes(kv("mastra.span.type", "model_chunk")).build();
  }

  @Test
  void blockChunkTimeIsItsStartAndSamplingRunsToTheLastBlockEnd() {
    shard().onTraces(traces(block(11, 100, 160), block(12, 170, 400), chatSpan(0, 420)));
    advance(cfg.finalizeGrace());
    Span c = only();
    assertThat(dbl(c, "llm_stream.ttft_ms")).isEqualTo(100.0);
    assertThat(dbl(c, "llm_stream.sampling_ms")).isEqualTo(300.0);
    assertThat(dbl(c, "llm_stream.chunk.interval.avg_ms")).isEqualTo(70.0);
    assertThat(dbl(c, "llm_stream.generation_time_ms")).isEqualTo(290.0);
  }

  @Test
  void oneBlockStillHasSamplingAndTokensPerSecond() {
    Span chat = chatSpan(0, 500).toBuilder().addAttributes(kv("gen_ai.usage.output_tokens", 40L)).build();
    shard().onTraces(traces(block(11, 343, 743), chat));
    advance(cfg.finalizeGrace());
    Span c = only();
    assertThat(dbl(c, "llm_stream.ttft_ms")).isEqualTo(343.0);
    assertThat(dbl(c, "llm_stream.sampling_ms")).isEqualTo(400.0);
    assertThat(dbl(c, "llm_stream.output_tokens_per_second")).isEqualTo(100.0);
  }

  @Test
  void completionStartTimeIsAFirstChunkMarker() {
    // 2023-11-14T22:13:20.050Z is BASE + 50 ms
    String at = java.time.Instant.ofEpochSecond(0, BASE).plusMillis(50).toString();
    Span chat = chatSpan(0, 500).toBuilder().addAttributes(kv("mastra.completion_start_time", at)).build();
    shard().onTraces(traces(block(11, 100, 300), chat));
    advance(cfg.finalizeGrace());
    assertThat(dbl(only(), "llm_stream.ttft_ms")).isEqualTo(50.0);
  }

  @Test
  void completionStartTimeWithoutChunksGivesTtft() {
    String at = java.time.Instant.ofEpochSecond(0, BASE).plusMillis(80).toString();
    Span chat = span(T, STREAM, ROOT, "model_inference", 0, 500).addAttributes(kv("mastra.completion_start_time", at)).build();
    shard().onTraces(traces(chat));
    assertThat(out.allSpans()).as("the marker announces a stream").isEmpty();
    advance(cfg.finalizeGrace());
    assertThat(dbl(only(), "llm_stream.ttft_ms")).isEqualTo(80.0);
  }

  Span only() {
    assertThat(out.allSpans()).hasSize(1);
    return out.allSpans().get(0);
  }
}
