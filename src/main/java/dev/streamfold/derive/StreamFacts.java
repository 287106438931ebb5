package dev.streamfold.derive;

/**
 * Everything the derivations of SPEC section 2 need about one stream, already de-duplicated.
 * Times are epoch nanoseconds from the data. Arrays are owned by the callee for the duration of
 * {@link Derivations#derive} (it may sort them in place).
 *
 * @param spanStarts start times of the shape A chunk spans (Burr probe included), or empty
 * @param spanEnds end times of the shape A chunk spans, aligned with spanStarts
 * @param otherTimes chunk times of shape B and C chunks
 * @param spanCount number of valid entries in spanStarts/spanEnds
 * @param otherCount number of valid entries in otherTimes
 * @param droppedChunks chunks lost before or inside streamfold (over the cap, or the producer's
 *     dropped_events_count for shape B)
 * @param markerTime first-chunk marker time, or -1
 * @param hasStreamSpan whether the stream span was seen
 * @param streamStart stream span start (valid with hasStreamSpan)
 * @param streamEnd stream span end (valid with hasStreamSpan)
 * @param summary producer summary on the stream span ({@link Summary#NONE} without one)
 * @param deltaTokens sum of per-chunk {@code llm_stream.chunk.tokens}, or -1 when no chunk had one
 * @param cumulativeTokens maximum of per-chunk cumulative {@code gen_ai.usage.output_tokens}, or -1
 * @param shape the input shape (chunk shape when there are chunks)
 * @param endReason why the window closed
 * @param blockChunks the chunk spans are whole blocks ({@code chunk_time: block}): a chunk's time
 *     is its span start, and sampling runs to the end of the last block
 * @param missing chunks the producer's indexes or count say were sent and never arrived
 */
public record StreamFacts(
    long[] spanStarts,
    long[] spanEnds,
    int spanCount,
    long[] otherTimes,
    int otherCount,
    long droppedChunks,
    long markerTime,
    boolean hasStreamSpan,
    long streamStart,
    long streamEnd,
    Summary summary,
    long deltaTokens,
    long cumulativeTokens,
    InputShape shape,
    EndReason endReason,
    boolean blockChunks,
    MissingChunks missing) {
  /** Facts with nothing known to be missing. */
  public StreamFacts(
      long[] spanStarts, long[] spanEnds, int spanCount, long[] otherTimes, int otherCount, long droppedChunks,
      long markerTime, boolean hasStreamSpan, long streamStart, long streamEnd, Summary summary, long deltaTokens,
      long cumulativeTokens, InputShape shape, EndReason endReason, boolean blockChunks) {
    this(spanStarts, spanEnds, spanCount, otherTimes, otherCount, droppedChunks, markerTime, hasStreamSpan, streamStart,
        streamEnd, summary, deltaTokens, cumulativeTokens, shape, endReason, blockChunks, MissingChunks.NONE);
  }

  /** The facts of chunk spans that end when their chunk is produced (the default). */
  public StreamFacts(
      long[] spanStarts, long[] spanEnds, int spanCount, long[] otherTimes, int otherCount, long droppedChunks,
      long markerTime, boolean hasStreamSpan, long streamStart, long streamEnd, Summary summary, long deltaTokens,
      long cumulativeTokens, InputShape shape, EndReason endReason) {
    this(spanStarts, spanEnds, spanCount, otherTimes, otherCount, droppedChunks, markerTime, hasStreamSpan, streamStart,
        streamEnd, summary, deltaTokens, cumulativeTokens, shape, endReason, false);
  }
}
