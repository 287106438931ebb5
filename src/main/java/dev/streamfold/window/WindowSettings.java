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
    long tickNanos,
    long maxHeldSpans) {

  static WindowSettings of(WindowConfig c, int shards) {
    return of(c, shards, 0);
  }

  /**
   * Settings of shard {@code index}: bounds are split so that the shards' shares add up to the
   * configured bound exactly (the first {@code bound % shards} shards get one more).
   */
  static WindowSettings of(WindowConfig c, int shards, int index) {
    return new WindowSettings(
        c.finalizeGrace().toNanos(),
        c.idleTimeout().toNanos(),
        c.maxStreamAge().toNanos(),
        Math.max(1, share(c.maxOpenStreams(), shards, index)),
        Math.max(1, share(c.memoryBudgetMib() * 1024 * 1024, shards, index)),
        c.maxChunksPerStream(),
        c.chunkSpans().equals("keep"),
        c.lateChunks().equals("drop"),
        share(c.recentlyClosed().maxKeys(), shards, index),
        c.recentlyClosed().ttl().toNanos(),
        c.tick().toNanos(),
        share(c.maxHeldSpans(), shards, index));
  }

  static long share(long total, int shards, int index) {
    return total / shards + (index < total % shards ? 1 : 0);
  }
}
