package dev.streamfold.derive;

/**
 * The figures of SPEC section 2 for one stream. A {@code null} field is an omitted attribute.
 * All {@code *Ms} values are milliseconds. Immutable.
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
    Long reasoningTokens) {}
