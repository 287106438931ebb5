package dev.streamfold.derive;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.streamfold.testing.Otlp;
import io.opentelemetry.proto.trace.v1.Span;
import org.junit.jupiter.api.Test;

class DerivationsTest {
  private static final long MS = 1_000_000L;
  private static final long START = 1_000_000 * MS;

  /** Facts for chunk times (ms after START) of shape B/C, with a stream span from 0 to endMs. */
  private static StreamFacts other(double endMs, Summary s, long delta, long cum, double... t) {
    long[] times = new long[t.length];
    for (int i = 0; i < t.length; i++) {
      times[i] = START + (long) (t[i] * MS);
    }
    return new StreamFacts(new long[0], new long[0], 0, times, times.length, 0, -1, true, START, START + (long) (endMs * MS),
        s, delta, cum, InputShape.CHUNK_EVENTS, EndReason.STREAM_END);
  }

  private static DerivedStream derive(StreamFacts f) {
    return Derivations.derive(f).stream();
  }

  @Test
  void noChunksWithStreamSpanHasDurationButNoTtftOrSampling() {
    DerivedStream d = derive(new StreamFacts(new long[0], new long[0], 0, new long[0], 0, 0, -1, true, START, START + 500 * MS,
        Summary.NONE, -1, -1, InputShape.CHUNK_SPANS, EndReason.STREAM_END));
    assertThat(d.chunkCount()).isEqualTo(0);
    assertThat(d.ttftMs()).isNull();
    assertThat(d.durationMs()).isEqualTo(500.0);
    assertThat(d.samplingMs()).isNull();
    assertThat(d.intervalMinMs()).isNull();
    assertThat(d.tokenSource()).isEqualTo(TokenSource.NONE);
    assertThat(d.outputTokens()).isNull();
    assertThat(d.complete()).isTrue();
  }

  @Test
  void oneChunkHasTtftAndZeroSamplingButNoRatesOrIntervals() {
    DerivedStream d = derive(other(100, Summary.NONE, 5, -1, 40));
    assertThat(d.chunkCount()).isEqualTo(1);
    assertThat(d.ttftMs()).isEqualTo(40.0);
    assertThat(d.samplingMs()).isEqualTo(0.0);
    assertThat(d.outputTokensPerSecond()).isNull();
    assertThat(d.chunksPerSecond()).isNull();
    assertThat(d.intervalMinMs()).isNull();
    assertThat(d.outputTokens()).isEqualTo(5);
    assertThat(d.timePerOutputTokenMs()).isEqualTo(0.0); // only omitted when output_tokens < 2
  }

  @Test
  void twoChunks() {
    Derivations.Result r = Derivations.derive(other(300, Summary.NONE, -1, -1, 100, 250));
    DerivedStream d = r.stream();
    assertThat(d.ttftMs()).isEqualTo(100.0);
    assertThat(d.samplingMs()).isEqualTo(150.0);
    assertThat(d.chunksPerSecond()).isEqualTo(13.33);
    assertThat(d.intervalMinMs()).isEqualTo(150.0);
    assertThat(d.intervalMaxMs()).isEqualTo(150.0);
    assertThat(d.intervalAvgMs()).isEqualTo(150.0);
    assertThat(r.intervalsMs()).containsExactly(150.0);
    assertThat(d.tokenSource()).isEqualTo(TokenSource.NONE);
    assertThat(d.outputTokensPerSecond()).isNull();
  }

  @Test
  void manyChunksOutOfOrderAreSortedAndIntervalsComputed() {
    // arrival order scrambled; sorted: 50, 60, 80, 120, 125
    Derivations.Result r = Derivations.derive(other(200, Summary.NONE, -1, -1, 120, 50, 125, 80, 60));
    DerivedStream d = r.stream();
    assertThat(d.chunkCount()).isEqualTo(5);
    assertThat(d.ttftMs()).isEqualTo(50.0);
    assertThat(d.samplingMs()).isEqualTo(75.0);
    assertThat(d.intervalMinMs()).isEqualTo(5.0);
    assertThat(d.intervalMaxMs()).isEqualTo(40.0);
    assertThat(d.intervalAvgMs()).isEqualTo(18.75);
    assertThat(r.intervalsMs()).containsExactly(10.0, 20.0, 40.0, 5.0);
    assertThat(d.chunksPerSecond()).isEqualTo(66.67);
  }

  @Test
  void usageTokensWinAndRatesFollowQwenAndVllmDefinitions() {
    Span span = Otlp.span(Otlp.trace(1), Otlp.id(1), null, "chat", 0, 1).addAttributes(Otlp.kv("gen_ai.usage.output_tokens", 90L))
        .addAttributes(Otlp.kv("gen_ai.usage.input_tokens", 0L)).build();
    // 0..1000 ms sampling, deltas would say 10, cumulative 12: usage (90) wins
    DerivedStream d = derive(other(1200, Summary.of(span), 10, 12, 100, 400, 1100));
    assertThat(d.tokenSource()).isEqualTo(TokenSource.USAGE);
    assertThat(d.outputTokens()).isEqualTo(90);
    assertThat(d.samplingMs()).isEqualTo(1000.0);
    assertThat(d.outputTokensPerSecond()).isEqualTo(90.0);
    assertThat(d.timePerOutputTokenMs()).isCloseTo(1000.0 / 89, within(1e-9));
    assertThat(d.inputTokens()).isEqualTo(0L); // 0 is a value
    assertThat(d.cacheReadTokens()).isNull(); // absent is absent
  }

  @Test
  void chunkDeltasAreSummedAndCumulativeCountsMaxed() {
    DerivedStream deltas = derive(other(400, Summary.NONE, 7, -1, 100, 400));
    assertThat(deltas.tokenSource()).isEqualTo(TokenSource.CHUNK_ATTRIBUTES);
    assertThat(deltas.outputTokens()).isEqualTo(7);
    assertThat(deltas.outputTokensPerSecond()).isEqualTo(23.33);

    DerivedStream cumulative = derive(other(400, Summary.NONE, -1, 31, 100, 400));
    assertThat(cumulative.outputTokens()).isEqualTo(31);
    assertThat(cumulative.tokenSource()).isEqualTo(TokenSource.CHUNK_ATTRIBUTES);
  }

  @Test
  void markerSetsFirstChunkTimeOnlyWhenEarlierOrAlone() {
    StreamFacts f = new StreamFacts(new long[0], new long[0], 0, new long[] {START + 80 * MS, START + 100 * MS}, 2, 0,
        START + 30 * MS, true, START, START + 200 * MS, Summary.NONE, -1, -1, InputShape.CHUNK_EVENTS, EndReason.STREAM_END);
    DerivedStream d = derive(f);
    assertThat(d.ttftMs()).isEqualTo(30.0);
    assertThat(d.samplingMs()).isEqualTo(20.0); // from chunks, not the marker
    assertThat(d.chunkCount()).isEqualTo(2);

    StreamFacts alone = new StreamFacts(new long[0], new long[0], 0, new long[0], 0, 0, START + 30 * MS, true, START,
        START + 200 * MS, Summary.NONE, -1, -1, InputShape.SUMMARY, EndReason.STREAM_END);
    assertThat(derive(alone).ttftMs()).isEqualTo(30.0);
  }

  @Test
  void chunkSpansGiveGenerationAndConsumerTimeAndBurrProbeIsNotAChunk() {
    // Burr: iteration_count = 2, three chunk spans; the last-ending one is the StopIteration probe.
    // spans (start, end): (10, 20) (30, 45) (50, 52)
    long[] starts = {START + 30 * MS, START + 10 * MS, START + 50 * MS};
    long[] ends = {START + 45 * MS, START + 20 * MS, START + 52 * MS};
    Span action = Otlp.span(Otlp.trace(1), Otlp.id(1), null, "respond", 0, 1).addAttributes(Otlp.kv("stream.iteration_count", 2L)).build();
    StreamFacts f = new StreamFacts(starts, ends, 3, new long[0], 0, 0, -1, true, START, START + 60 * MS, Summary.of(action), -1, -1,
        InputShape.CHUNK_SPANS, EndReason.STREAM_END);
    DerivedStream d = derive(f);
    assertThat(d.chunkCount()).isEqualTo(2);
    assertThat(d.ttftMs()).isEqualTo(20.0);
    assertThat(d.samplingMs()).isEqualTo(25.0);
    assertThat(d.generationTimeMs()).isEqualTo(10.0 + 15.0 + 2.0);
    assertThat(d.consumerTimeMs()).isEqualTo(10.0 + 5.0); // 20->30, 45->50
    assertThat(d.inputShape()).isEqualTo(InputShape.CHUNK_SPANS);
  }

  @Test
  void withoutIterationCountEveryChunkSpanIsAChunk() {
    long[] starts = {START + 10 * MS, START + 30 * MS, START + 50 * MS};
    long[] ends = {START + 20 * MS, START + 45 * MS, START + 52 * MS};
    StreamFacts f = new StreamFacts(starts, ends, 3, new long[0], 0, 0, -1, true, START, START + 60 * MS, Summary.NONE, -1, -1,
        InputShape.CHUNK_SPANS, EndReason.STREAM_END);
    assertThat(derive(f).chunkCount()).isEqualTo(3);
    // overlapping spans contribute no consumer time
    long[] os = {START, START + 5 * MS};
    long[] oe = {START + 10 * MS, START + 12 * MS};
    assertThat(Derivations.consumerNanos(os, oe, 2)).isZero();
  }

  @Test
  void burrSingleSpanSummaryMapsToDerivedNames() {
    Span s = Otlp.span(Otlp.trace(1), Otlp.id(1), null, "respond", 0, 900)
        .addAttributes(Otlp.kv("stream.first_item_time_ms", 120.5)).addAttributes(Otlp.kv("stream.generation_time_ms", 700.0))
        .addAttributes(Otlp.kv("stream.consumer_time_ms", 150.0)).addAttributes(Otlp.kv("stream.iteration_count", 42L))
        .addAttributes(Otlp.kv("stream.total_time_ms", 880.0)).build();
    DerivedStream d = derive(summaryFacts(s, 900));
    assertThat(d.ttftMs()).isEqualTo(120.5);
    assertThat(d.generationTimeMs()).isEqualTo(700.0);
    assertThat(d.consumerTimeMs()).isEqualTo(150.0);
    assertThat(d.chunkCount()).isEqualTo(42);
    assertThat(d.durationMs()).isEqualTo(880.0);
    assertThat(d.samplingMs()).isEqualTo(880.0 - 120.5);
    assertThat(d.inputShape()).isEqualTo(InputShape.SUMMARY);
  }

  @Test
  void burrEventModeSummaryIsReadFromTheStreamCompletedEvent() {
    Span s = Otlp.span(Otlp.trace(1), Otlp.id(1), null, "respond", 0, 900)
        .addEvents(Otlp.event("stream_completed", 900, Otlp.kv("stream.first_item_time_ms", 50.0), Otlp.kv("stream.iteration_count", 3L)))
        .build();
    DerivedStream d = derive(summaryFacts(s, 900));
    assertThat(d.ttftMs()).isEqualTo(50.0);
    assertThat(d.chunkCount()).isEqualTo(3);
  }

  @Test
  void qwenSummaryWithAndWithoutSampling() {
    Span given = Otlp.span(Otlp.trace(1), Otlp.id(1), null, "qwen-code.llm_request", 0, 1000)
        .addAttributes(Otlp.kv("ttft_ms", 200L)).addAttributes(Otlp.kv("sampling_ms", 700L))
        .addAttributes(Otlp.kv("gen_ai.usage.output_tokens", 63L)).addAttributes(Otlp.kv("output_tokens_per_second", 1.0)).build();
    DerivedStream d = derive(summaryFacts(given, 1000));
    assertThat(d.ttftMs()).isEqualTo(200.0);
    assertThat(d.samplingMs()).isEqualTo(700.0);
    assertThat(d.outputTokensPerSecond()).isEqualTo(90.0); // recomputed: 63 / 0.7
    assertThat(d.chunkCount()).isNull();

    Span derivedSampling = Otlp.span(Otlp.trace(1), Otlp.id(1), null, "qwen-code.llm_request", 0, 1000)
        .addAttributes(Otlp.kv("ttft_ms", 200L)).addAttributes(Otlp.kv("request_setup_ms", 50L)).build();
    assertThat(derive(summaryFacts(derivedSampling, 1000)).samplingMs()).isEqualTo(750.0);

    Span skew = Otlp.span(Otlp.trace(1), Otlp.id(1), null, "qwen-code.llm_request", 0, 100)
        .addAttributes(Otlp.kv("ttft_ms", 200L)).build();
    assertThat(derive(summaryFacts(skew, 100)).samplingMs()).isEqualTo(0.0);
  }

  @Test
  void vercelAndSemconvSummaries() {
    Span vercel = Otlp.span(Otlp.trace(1), Otlp.id(1), null, "ai.streamText.doStream", 0, 1000)
        .addAttributes(Otlp.kv("ai.response.msToFirstChunk", 150.0)).addAttributes(Otlp.kv("ai.response.msToFinish", 950.0))
        .addAttributes(Otlp.kv("ai.usage.completionTokens", 40L)).build();
    DerivedStream d = derive(summaryFacts(vercel, 1000));
    assertThat(d.ttftMs()).isEqualTo(150.0);
    assertThat(d.samplingMs()).isEqualTo(800.0);
    assertThat(d.outputTokensPerSecond()).isEqualTo(50.0);
    assertThat(d.tokenSource()).isEqualTo(TokenSource.USAGE);

    Span semconv = Otlp.span(Otlp.trace(1), Otlp.id(1), null, "chat", 0, 1000)
        .addAttributes(Otlp.kv("gen_ai.response.time_to_first_chunk", 0.25)).build();
    assertThat(derive(summaryFacts(semconv, 1000)).ttftMs()).isEqualTo(250.0);
  }

  @Test
  void chunksWinOverAProducerSummary() {
    Span s = Otlp.span(Otlp.trace(1), Otlp.id(1), null, "respond", 0, 300)
        .addAttributes(Otlp.kv("stream.first_item_time_ms", 999.0)).build();
    DerivedStream d = derive(other(300, Summary.of(s), -1, -1, 100, 200));
    assertThat(d.ttftMs()).isEqualTo(100.0);
    assertThat(d.inputShape()).isEqualTo(InputShape.CHUNK_EVENTS);
  }

  @Test
  void truncatedStreamCountsDroppedAndOmitsSamplingRatesAndIntervals() {
    StreamFacts f = new StreamFacts(new long[0], new long[0], 0, new long[] {START + 10 * MS, START + 20 * MS, START + 40 * MS}, 3, 5,
        -1, true, START, START + 50 * MS, Summary.NONE, 12, -1, InputShape.CHUNK_LOGS, EndReason.STREAM_END);
    Derivations.Result r = Derivations.derive(f);
    DerivedStream d = r.stream();
    assertThat(d.chunkCount()).isEqualTo(8);
    assertThat(d.chunksTruncated()).isTrue();
    assertThat(d.samplingMs()).isNull();
    assertThat(d.outputTokensPerSecond()).isNull();
    assertThat(d.chunksPerSecond()).isNull();
    assertThat(d.intervalAvgMs()).isNull();
    assertThat(r.intervalsMs()).isEmpty();
    assertThat(d.ttftMs()).isEqualTo(10.0);
  }

  @Test
  void withoutStreamSpanThereIsNoTtftOrDurationButSamplingAndRates() {
    StreamFacts f = new StreamFacts(new long[0], new long[0], 0, new long[] {START + 10 * MS, START + 510 * MS}, 2, 0, -1, false, 0, 0,
        Summary.NONE, 50, -1, InputShape.CHUNK_LOGS, EndReason.IDLE_TIMEOUT);
    DerivedStream d = derive(f);
    assertThat(d.ttftMs()).isNull();
    assertThat(d.durationMs()).isNull();
    assertThat(d.samplingMs()).isEqualTo(500.0);
    assertThat(d.outputTokensPerSecond()).isEqualTo(100.0);
    assertThat(d.complete()).isFalse();
    assertThat(d.endReason()).isEqualTo(EndReason.IDLE_TIMEOUT);
  }

  @Test
  void eachEndReasonIsCarriedAndOnlyStreamEndWithSpanIsComplete() {
    for (EndReason reason : EndReason.values()) {
      StreamFacts f = new StreamFacts(new long[0], new long[0], 0, new long[] {START + MS}, 1, 0, -1, true, START, START + 2 * MS,
          Summary.NONE, -1, -1, InputShape.CHUNK_EVENTS, reason);
      DerivedStream d = derive(f);
      assertThat(d.endReason()).isEqualTo(reason);
      assertThat(d.complete()).isEqualTo(reason == EndReason.STREAM_END);
    }
  }

  @Test
  void missingChunksMakeAStreamEndIncompleteAndDropFiguresOverChunkTimes() {
    long[] times = {START + 300 * MS, START + 400 * MS, START + 450 * MS};
    StreamFacts f = new StreamFacts(new long[0], new long[0], 0, times, 3, 0, -1, true, START, START + 500 * MS, Summary.NONE, 30, -1,
        InputShape.CHUNK_LOGS, EndReason.STREAM_END, false, new MissingChunks(2, false));
    DerivedStream d = derive(f);
    assertThat(d.complete()).isFalse();
    assertThat(d.endReason()).isEqualTo(EndReason.STREAM_END);
    assertThat(d.missingChunks()).isEqualTo(2);
    assertThat(d.chunkCount()).isEqualTo(3);
    assertThat(d.ttftMs()).as("the first chunk arrived").isEqualTo(300.0);
    assertThat(d.durationMs()).isEqualTo(500.0);
    assertThat(d.samplingMs()).isNull();
    assertThat(d.outputTokensPerSecond()).isNull();
    assertThat(d.chunksPerSecond()).isNull();
    assertThat(d.intervalMaxMs()).isNull();
    assertThat(d.outputTokens()).isEqualTo(30);
    assertThat(Derivations.derive(f).intervalsMs()).isEmpty();
  }

  @Test
  void withTheFirstChunkMissingOnlyAnEarlierMarkerGivesTtft() {
    long[] times = {START + 300 * MS};
    MissingChunks first = new MissingChunks(1, true);
    StreamFacts noMarker = new StreamFacts(new long[0], new long[0], 0, times.clone(), 1, 0, -1, true, START, START + 500 * MS,
        Summary.NONE, -1, -1, InputShape.CHUNK_LOGS, EndReason.STREAM_END, false, first);
    assertThat(derive(noMarker).ttftMs()).isNull();
    StreamFacts marker = new StreamFacts(new long[0], new long[0], 0, times.clone(), 1, 0, START + 120 * MS, true, START,
        START + 500 * MS, Summary.NONE, -1, -1, InputShape.CHUNK_LOGS, EndReason.STREAM_END, false, first);
    assertThat(derive(marker).ttftMs()).isEqualTo(120.0);
    assertThat(derive(marker).complete()).isFalse();
  }

  private static StreamFacts summaryFacts(Span s, double endMs) {
    return new StreamFacts(new long[0], new long[0], 0, new long[0], 0, 0, -1, true, START, START + (long) (endMs * MS), Summary.of(s),
        -1, -1, InputShape.SUMMARY, EndReason.STREAM_END);
  }
}
