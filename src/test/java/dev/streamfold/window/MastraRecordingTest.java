package dev.streamfold.window;

import static dev.streamfold.testing.Otlp.attr;
import static dev.streamfold.testing.Otlp.dbl;
import static dev.streamfold.testing.Otlp.lng;
import static dev.streamfold.testing.Otlp.str;
import static dev.streamfold.window.ProducerFixture.ms;
import static dev.streamfold.window.ProducerFixturesTest.named;
import static dev.streamfold.window.ProducerFixturesTest.othersPassUnchanged;
import static org.assertj.core.api.Assertions.assertThat;

import io.opentelemetry.proto.trace.v1.Span;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Mastra's real exporter (fixtures/record/record-mastra.mjs): an agent streams from a mock model
 * whose first content comes 120 ms after the call; {@code mastra.json} has a reasoning block (three
 * deltas 20 ms apart) and then a text block (six deltas over 200 ms), {@code mastra-one-block.json}
 * only the text block: the whole answer is one {@code model_chunk} span. A model_chunk span covers
 * one whole block, from its first delta to its last; the {@code chat} (model_inference) span
 * carries Mastra's own first-token time, {@code mastra.completion_start_time} (ISO-8601, ms).
 * Mastra exports one batch at shutdown, chunk spans before their parent.
 */
class MastraRecordingTest {

  record Recording(ProducerFixture f, Span chat, List<Span> blocks) {
    static Recording load(String file) {
      ProducerFixture f = ProducerFixture.load(file);
      Span chat = f.span("chat gpt-4o-mini");
      List<Span> blocks = f.spansStartingWith("model_chunk").stream()
          .sorted(Comparator.comparingLong(Span::getStartTimeUnixNano)).toList();
      return new Recording(f, chat, blocks);
    }

    long completionStart() {
      Instant t = Instant.parse(str(chat, "mastra.completion_start_time"));
      return t.getEpochSecond() * 1_000_000_000L + t.getNano();
    }
  }

  /** The recordings are block-shaped: that is what the window has to read correctly. */
  @ParameterizedTest
  @CsvSource({"mastra.json, 2", "mastra-one-block.json, 1"})
  void chunkSpansAreWholeBlocksAndCompletionStartIsInsideTheFirstBlock(String file, int blocks) {
    Recording r = Recording.load(file);
    assertThat(r.blocks).hasSize(blocks).allSatisfy(b -> assertThat(b.getParentSpanId()).isEqualTo(r.chat.getSpanId()));
    Span text = r.blocks.get(blocks - 1);
    // the text block spans its six deltas, 30+45+25+60+40 = 200 ms apart first to last (timers fire
    // no earlier; Mastra stamps whole milliseconds), not one delta
    assertThat(text.getEndTimeUnixNano() - text.getStartTimeUnixNano()).isGreaterThanOrEqualTo(199_000_000L);
    // Mastra's observability opens a block's span at its text-start / reasoning-start part and
    // stamps completion_start_time at the first delta, which the mock model sends right after the
    // start: so not before the first block's start (1 ms: both are whole-millisecond readings), and
    // before that block's last delta (the first block's deltas span at least 40 ms: reasoning
    // 20 + 20, text 200), so well before the block's end, the value TTFT must not take
    Span first = r.blocks.get(0);
    assertThat(r.completionStart()).isGreaterThanOrEqualTo(first.getStartTimeUnixNano() - 1_000_000L);
    assertThat(first.getEndTimeUnixNano() - r.completionStart()).isGreaterThanOrEqualTo(40_000_000L);
  }

  @ParameterizedTest
  @CsvSource({"mastra.json, 2", "mastra-one-block.json, 1"})
  void blocksAreConsumedIntoTheChatSpan(String file, int blocks) {
    Recording r = Recording.load(file);
    FixtureReplay replay = new FixtureReplay();
    List<Span> output = replay.run(r.f);

    assertThat(replay.closed).hasSize(1);
    assertThat(output).noneMatch(ProducerFixturesTest::isChunkSpan);
    Span c = named(output, "chat gpt-4o-mini");
    assertThat(c.getSpanId()).isEqualTo(r.chat.getSpanId());
    List<Span> notPassed = new ArrayList<>(r.blocks);
    notPassed.add(r.chat);
    othersPassUnchanged(r.f, output, notPassed);
    assertThat(r.blocks).allMatch(ProducerFixturesTest::isChunkSpan);
    assertThat(str(c, "llm_stream.input_shape")).isEqualTo("chunk_spans");
    assertThat(lng(c, "llm_stream.chunk.count")).isEqualTo(blocks);
    assertThat(lng(c, "llm_stream.output_tokens")).isEqualTo(7);
    assertThat(str(c, "llm_stream.token_source")).isEqualTo("usage");
    assertThat(dbl(c, "llm_stream.duration_ms")).isEqualTo(ms(r.chat.getEndTimeUnixNano() - r.chat.getStartTimeUnixNano()));
    assertThat(attr(c, "llm_stream.complete").getBoolValue()).isTrue();
  }

  /**
   * SPEC rev 2: a block's chunk time is its start, completion_start_time is a first-chunk marker
   * (the earlier of the two wins), so TTFT = min(completion_start_time, first block start) - chat
   * start: the first block's start in these recordings, 0-6 ms before Mastra's own
   * completion_start_time (the first delta, processed just after the block's start part). Sampling
   * runs from the first block's start to the end of the last block. For the one-block answer TTFT
   * taken from the block's end would be most of the response.
   */
  @ParameterizedTest
  @CsvSource({"mastra.json", "mastra-one-block.json"})
  void ttftIsMastrasCompletionStartTimeNotTheEndOfTheFirstBlock(String file) {
    Recording r = Recording.load(file);
    List<Span> output = new FixtureReplay().run(r.f);
    Span c = named(output, "chat gpt-4o-mini");

    long start = r.chat.getStartTimeUnixNano();
    Span first = r.blocks.get(0);
    Span last = r.blocks.get(r.blocks.size() - 1);
    long firstChunk = Math.min(r.completionStart(), first.getStartTimeUnixNano());
    assertThat(dbl(c, "llm_stream.ttft_ms")).isEqualTo(ms(firstChunk - start));
    assertThat(dbl(c, "llm_stream.ttft_ms")).isLessThanOrEqualTo(ms(r.completionStart() - start));
    assertThat(dbl(c, "llm_stream.ttft_ms")).isLessThan(ms(first.getEndTimeUnixNano() - start));
    assertThat(dbl(c, "llm_stream.sampling_ms")).isEqualTo(ms(last.getEndTimeUnixNano() - first.getStartTimeUnixNano()));
    assertThat(dbl(c, "gen_ai.response.time_to_first_chunk")).isEqualTo(ms(firstChunk - start) / 1000.0);
  }
}
