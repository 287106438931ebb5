package dev.streamfold.window;

import dev.streamfold.config.WindowConfig;

/** Window settings in the units the shards use (nanoseconds, bytes), per shard where split. */
record WindowSettings(
    long graceNanos,
    long idleNanos,
    long maxAgeNanos,
    long maxOpenStreams,
    long memoryBudgetBytes,
    int maxChunksPerStream,
    boolean keepChunks,
    boolean dropLate,
    long recentMaxKeys,
    long recentTtlNanos,
    long tickNanos) {

  static WindowSettings of(WindowConfig c, int shards) {
    return new WindowSettings(
        c.finalizeGrace.toNanos(),
        c.idleTimeout.toNanos(),
        c.maxStreamAge.toNanos(),
        Math.max(1, (c.maxOpenStreams + shards - 1) / shards),
        Math.max(1, c.memoryBudgetMib * 1024 * 1024 / shards),
        c.maxChunksPerStream,
        c.chunkSpans.equals("keep"),
        c.lateChunks.equals("drop"),
        Math.max(0, (c.recentlyClosed.maxKeys + shards - 1) / shards),
        c.recentlyClosed.ttl.toNanos(),
        c.tick.toNanos());
  }
}
