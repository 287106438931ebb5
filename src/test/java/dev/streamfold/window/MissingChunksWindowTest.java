package dev.streamfold.window;

import static dev.streamfold.testing.Otlp.*;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import dev.streamfold.config.TestConfig;
import io.opentelemetry.proto.trace.v1.Span;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Chunk indexes in the window: Burr's {@code chunk_N} names (the default rule's {@code index}
 * group), a rule's {@code index_attribute} with its base, {@code llm_stream.chunk.index}, and a
 * stream span's stated chunk count reveal chunks that never arrived.
 */
class MissingChunksWindowTest {
  final OneShard w = new OneShard();

  static final ByteString T = trace(7);
  static final ByteString STREAM = id(200);

  WindowShard shard() {
    return w.shard();
  }

  Span closeWithStreamSpan(Span.Builder streamSpan) {
    shard().onTraces(traces(streamSpan.build()));
    w.advance(Duration.ofSeconds(2));
    List<Span> all = w.out.allSpans();
    assertThat(all).hasSize(1);
    return all.get(0);
  }

  static Span.Builder streamSpan() {
    return span(T, STREAM, id(1), "chat gpt-4o", 0, 1000).addAttributes(kv("gen_ai.request.model", "gpt-4o"));
  }

  @Test
  void allIndexesFromZeroIsComplete() {
    shard().onTraces(traces(chunk(T, STREAM, 11, 0, 0, 100), chunk(T, STREAM, 12, 1, 100, 200), chunk(T, STREAM, 13, 2, 200, 300)));
    Span s = closeWithStreamSpan(streamSpan());
    assertThat(attr(s, "llm_stream.complete").getBoolValue()).isTrue();
    assertThat(attr(s, "llm_stream.chunk.missing")).isNull();
    assertThat(dbl(s, "llm_stream.ttft_ms")).isEqualTo(100.0);
    assertThat(w.metrics.get("missing")).isZero();
  }

  @Test
  void missingFirstChunksMakeTheStreamIncompleteWithoutTtft() {
    // what the new instance gets after a scale-out: chunks 3 and 4, then the stream span
    shard().onTraces(traces(chunk(T, STREAM, 14, 3, 300, 400), chunk(T, STREAM, 15, 4, 400, 500)));
    Span s = closeWithStreamSpan(streamSpan());
    assertThat(str(s, "llm_stream.end_reason")).isEqualTo("stream_end");
    assertThat(attr(s, "llm_stream.complete").getBoolValue()).isFalse();
    assertThat(lng(s, "llm_stream.chunk.count")).isEqualTo(2);
    assertThat(lng(s, "llm_stream.chunk.missing")).isEqualTo(3);
    assertThat(attr(s, "llm_stream.ttft_ms")).as("chunk 3 is not the first chunk").isNull();
    assertThat(attr(s, "llm_stream.sampling_ms")).isNull();
    assertThat(attr(s, "llm_stream.chunk.interval.max_ms")).isNull();
    assertThat(dbl(s, "llm_stream.duration_ms")).isEqualTo(1000.0);
    assertThat(w.metrics.get("missing")).isEqualTo(3);
    assertThat(w.closed.get(0).derived().complete()).isFalse();
    assertThat(w.closed.get(0).intervalsMs()).isEmpty();
  }

  @Test
  void aGapInTheMiddleKeepsTtftButNotTheIntervals() {
    shard().onTraces(traces(chunk(T, STREAM, 11, 0, 0, 100), chunk(T, STREAM, 14, 3, 300, 400)));
    Span s = closeWithStreamSpan(streamSpan());
    assertThat(lng(s, "llm_stream.chunk.missing")).isEqualTo(2);
    assertThat(attr(s, "llm_stream.complete").getBoolValue()).isFalse();
    assertThat(dbl(s, "llm_stream.ttft_ms")).isEqualTo(100.0);
    assertThat(attr(s, "llm_stream.chunk.interval.max_ms")).as("the 300 ms gap spans two missing chunks").isNull();
  }

  @Test
  void duplicatesAndOutOfOrderIndexesCountOnce() {
    Span c1 = chunk(T, STREAM, 12, 1, 100, 200);
    // out of order across requests, chunk 1 resent as is, chunk 2 resent under a new span id
    shard().onTraces(traces(chunk(T, STREAM, 13, 2, 200, 300), c1));
    shard().onTraces(traces(c1, chunk(T, STREAM, 11, 0, 0, 100), chunk(T, STREAM, 23, 2, 200, 300)));
    Span s = closeWithStreamSpan(streamSpan());
    assertThat(attr(s, "llm_stream.chunk.missing")).isNull();
    assertThat(attr(s, "llm_stream.complete").getBoolValue()).isTrue();
    assertThat(w.metrics.get("duplicate")).isEqualTo(1);
    assertThat(w.metrics.get("missing")).isZero();
    // SPEC 2 de-duplicates chunk spans by span id: the resend under a new id is a chunk of its own
    assertThat(lng(s, "llm_stream.chunk.count")).isEqualTo(4);
  }

  @Test
  void theStreamSpansStatedCountRevealsMissingLastChunks() {
    // Burr SINGLE_AND_CHUNK_SPANS: 3 items (chunk_0..2) and the StopIteration probe chunk_3
    shard().onTraces(traces(chunk(T, STREAM, 11, 0, 0, 100), chunk(T, STREAM, 12, 1, 100, 200)));
    Span s = closeWithStreamSpan(streamSpan().addAttributes(kv("stream.iteration_count", 3L)));
    assertThat(lng(s, "llm_stream.chunk.missing")).isEqualTo(1);
    assertThat(attr(s, "llm_stream.complete").getBoolValue()).isFalse();
    assertThat(dbl(s, "llm_stream.ttft_ms")).isEqualTo(100.0);
  }

  @Test
  void burrsProbeBeyondTheStatedCountIsNotMissingNorExtra() {
    shard().onTraces(traces(chunk(T, STREAM, 11, 0, 0, 100), chunk(T, STREAM, 12, 1, 100, 200), chunk(T, STREAM, 13, 2, 200, 210)));
    Span s = closeWithStreamSpan(streamSpan().addAttributes(kv("stream.iteration_count", 2L)));
    assertThat(attr(s, "llm_stream.chunk.missing")).isNull();
    assertThat(attr(s, "llm_stream.complete").getBoolValue()).isTrue();
    assertThat(lng(s, "llm_stream.chunk.count")).as("the probe is not a chunk").isEqualTo(2);
  }

  @Test
  void theHalfWithoutStreamSpanSaysItsFirstChunksWentElsewhere() {
    shard().onTraces(traces(chunk(T, STREAM, 14, 3, 300, 400), chunk(T, STREAM, 15, 4, 400, 500)));
    w.advance(Duration.ofSeconds(30));
    Span s = w.out.allSpans().get(0);
    assertThat(s.getName()).isEqualTo(Condenser.INCOMPLETE_NAME);
    assertThat(str(s, "llm_stream.end_reason")).isEqualTo("idle_timeout");
    assertThat(lng(s, "llm_stream.chunk.missing")).isEqualTo(3);
    assertThat(w.metrics.get("missing")).isEqualTo(3);
  }

  @Test
  void aRuleWithoutAnIndexBehavesAsBefore() {
    w.cfg = TestConfig.window("rules.chunk_spans=[{name_regex: '^.+::chunk_[0-9]+$'}]");
    shard().onTraces(traces(chunk(T, STREAM, 14, 3, 300, 400), chunk(T, STREAM, 16, 5, 400, 500)));
    Span s = closeWithStreamSpan(streamSpan());
    assertThat(attr(s, "llm_stream.chunk.missing")).isNull();
    assertThat(attr(s, "llm_stream.complete").getBoolValue()).isTrue();
    assertThat(dbl(s, "llm_stream.ttft_ms")).isEqualTo(400.0);
    assertThat(dbl(s, "llm_stream.chunk.interval.max_ms")).isEqualTo(100.0);
  }

  @Test
  void aLogRuleIndexAttributeWithItsBase() {
    w.cfg = TestConfig.window("rules.chunk_logs=[{event_name: gen_ai.content.completion.chunk, index_attribute: chunk.seq, index_base: 1}]");
    shard().onLogs(logs(chunkLog(T, STREAM, 100, kv("chunk.seq", 1L)), chunkLog(T, STREAM, 300, kv("chunk.seq", 3L))));
    Span s = closeWithStreamSpan(streamSpan());
    assertThat(lng(s, "llm_stream.chunk.missing")).as("seq 2").isEqualTo(1);
    assertThat(dbl(s, "llm_stream.ttft_ms")).isEqualTo(100.0);
  }

  @Test
  void anyChunkMayCarryItsIndexInLlmStreamChunkIndex() {
    shard().onLogs(logs(chunkLog(T, STREAM, 300, kv("llm_stream.chunk.index", 2L)), chunkLog(T, STREAM, 400, kv("llm_stream.chunk.index", 3L))));
    Span s = closeWithStreamSpan(streamSpan().addAttributes(kv("llm_stream.chunk.total", 5L)));
    assertThat(lng(s, "llm_stream.chunk.missing")).as("0, 1 and 4").isEqualTo(3);
    assertThat(attr(s, "llm_stream.ttft_ms")).isNull();
  }

  @Test
  void unindexedChunksAgainstAStatedTotal() {
    shard().onLogs(logs(chunkLog(T, STREAM, 100), chunkLog(T, STREAM, 200)));
    Span s = closeWithStreamSpan(streamSpan().addAttributes(kv("llm_stream.chunk.total", 4L)));
    assertThat(lng(s, "llm_stream.chunk.missing")).isEqualTo(2);
    assertThat(attr(s, "llm_stream.ttft_ms")).as("which ones is unknown").isNull();
  }

  @Test
  void aStreamSpanWhoseChunksAllWentElsewhereSaysSoInsteadOfPassingUnchanged() {
    Span s = closeWithStreamSpan(streamSpan().addAttributes(kv("gen_ai.request.stream", true))
        .addAttributes(kv("llm_stream.chunk.total", 3L)));
    assertThat(str(s, "llm_stream.end_reason")).isEqualTo("stream_end");
    assertThat(attr(s, "llm_stream.complete").getBoolValue()).isFalse();
    assertThat(lng(s, "llm_stream.chunk.missing")).isEqualTo(3);
    assertThat(attr(s, "llm_stream.ttft_ms")).isNull();
    assertThat(w.metrics.get("missing")).isEqualTo(3);
    assertThat(w.metrics.get("condensed.span")).isEqualTo(1);
  }

  @Test
  void anAnnouncedStreamSpanWithoutChunksOrCountStillPassesUnchanged() {
    Span.Builder b = streamSpan().addAttributes(kv("gen_ai.request.stream", true));
    assertThat(closeWithStreamSpan(b)).isEqualTo(b.build());
  }

  @Test
  void aSummaryWithoutChunksIsNotMissingAnything() {
    // Burr SINGLE_SPAN: iteration_count with no chunk spans at all
    Span s = closeWithStreamSpan(streamSpan().addAttributes(kv("stream.iteration_count", 5L))
        .addAttributes(kv("stream.first_item_time_ms", 120.0)));
    assertThat(attr(s, "llm_stream.chunk.missing")).isNull();
    assertThat(attr(s, "llm_stream.complete").getBoolValue()).isTrue();
  }

  @Test
  void chunksOverTheCapAreTruncationNotMissing() {
    w.cfg = TestConfig.window("max_chunks_per_stream=2");
    shard().onTraces(traces(chunk(T, STREAM, 11, 0, 0, 100), chunk(T, STREAM, 12, 1, 100, 200), chunk(T, STREAM, 13, 2, 200, 300)));
    Span s = closeWithStreamSpan(streamSpan().addAttributes(kv("llm_stream.chunk.total", 3L)));
    assertThat(attr(s, "llm_stream.chunks_truncated").getBoolValue()).isTrue();
    assertThat(attr(s, "llm_stream.chunk.missing")).isNull();
    assertThat(lng(s, "llm_stream.chunk.count")).isEqualTo(3);
  }

  @Test
  void anAbsurdIndexOrCountReportsNoMoreMissingThanTheStreamCouldHold() {
    // chunk_999999999 and a stated total of 10^12 from a broken or hostile producer: what is
    // missing is bounded by max_chunks_per_stream (10 here), not by the producer's claim
    w.cfg = TestConfig.window("max_chunks_per_stream=10");
    shard().onTraces(traces(chunk(T, STREAM, 11, 0, 0, 100), chunk(T, STREAM, 12, 999_999_999, 100, 200)));
    Span s = closeWithStreamSpan(streamSpan().addAttributes(kv("llm_stream.chunk.total", 1_000_000_000_000L)));
    assertThat(attr(s, "llm_stream.complete").getBoolValue()).isFalse();
    assertThat(lng(s, "llm_stream.chunk.missing")).isEqualTo(9);
    assertThat(w.metrics.get("missing")).isEqualTo(9);
  }
}
