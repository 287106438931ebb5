package dev.streamfold.derive;

/**
 * The figures of SPEC section 2 for one stream. A {@code null} field is an omitted attribute.
 * All {@code *Ms} values are milliseconds. {@code missingChunks} is null when no chunk is known
 * to be missing. Immutable.
 */
public record DerivedStream(
    Long chunkCount,
    Double ttftMs,
    Double durationMs,
    Double samplingMs,
    Long outputTokens,
    Double outputTokensPerSecond,
    Double timePerOutputTokenMs,
    Double chunksPerSecond,
    Double intervalMinMs,
    Double intervalMaxMs,
    Double intervalAvgMs,
    Double generationTimeMs,
    Double consumerTimeMs,
    TokenSource tokenSource,
    InputShape inputShape,
    boolean complete,
    EndReason endReason,
    boolean chunksTruncated,
    Long inputTokens,
    Long cacheReadTokens,
    Long reasoningTokens,
    Long missingChunks) {
  /** Figures of a stream with no chunk known to be missing. */
  public DerivedStream(
      Long chunkCount, Double ttftMs, Double durationMs, Double samplingMs, Long outputTokens,
      Double outputTokensPerSecond, Double timePerOutputTokenMs, Double chunksPerSecond, Double intervalMinMs,
      Double intervalMaxMs, Double intervalAvgMs, Double generationTimeMs, Double consumerTimeMs,
      TokenSource tokenSource, InputShape inputShape, boolean complete, EndReason endReason, boolean chunksTruncated,
      Long inputTokens, Long cacheReadTokens, Long reasoningTokens) {
    this(chunkCount, ttftMs, durationMs, samplingMs, outputTokens, outputTokensPerSecond, timePerOutputTokenMs,
        chunksPerSecond, intervalMinMs, intervalMaxMs, intervalAvgMs, generationTimeMs, consumerTimeMs, tokenSource,
        inputShape, complete, endReason, chunksTruncated, inputTokens, cacheReadTokens, reasoningTokens, null);
  }
}
