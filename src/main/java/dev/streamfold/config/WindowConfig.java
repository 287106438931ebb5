package dev.streamfold.config;

import java.time.Duration;
import java.util.List;

/**
 * {@code window}: the stream window (SPEC 1.2, 1.3, 3). Defaults: config/streamfold.yaml; the
 * bounds marked "heap" there are derived from the max heap (limiter.HeapBudget).
 *
 * @param maxPendingItems items (spans + span events + log records + metric points) admitted and
 *     not yet processed by the window; past it receivers answer UNAVAILABLE / 503 with
 *     Retry-After (formerly {@code receivers.otlp.max_pending_items}, see {@link Aliases})
 * @param maxHeldSpans spans held because their parent is unknown in a trace with an open stream
 *     (SPEC 3 re-parenting); past it the oldest is released unchecked (reparented ok=false)
 * @param chunkSpans {@code drop} or {@code keep}: what happens to chunk spans, events and logs
 * @param lateChunks {@code pass} (with {@code llm_stream.late=true}) or {@code drop}
 * @param shards owner threads; 0 = cores / 2
 * @param tick how often a shard checks deadlines when idle
 */
public record WindowConfig(
    Duration finalizeGrace,
    Duration idleTimeout,
    Duration maxStreamAge,
    long maxOpenStreams,
    long maxPendingItems,
    long maxHeldSpans,
    long memoryBudgetMib,
    int maxChunksPerStream,
    String chunkSpans,
    String lateChunks,
    RecentlyClosed recentlyClosed,
    int shards,
    Duration tick,
    Rules rules) {

  public record RecentlyClosed(long maxKeys, Duration ttl) {}

  /**
   * Recognition rules; a list given in the file replaces the default list.
   *
   * @param firstChunkAttributes span attributes whose value is the first chunk time (ISO-8601
   *     text, or integer epoch nanoseconds): a first-chunk marker on the span itself
   * @param chunkCountAttributes stream span attributes stating how many chunks the producer sent
   *     (Burr's {@code stream.iteration_count}, streamfold's {@code llm_stream.chunk.total}): fewer
   *     distinct chunks, or indexes that stop short of it, mean chunks are missing
   * @param streamSpans extra rules marking a span as a stream span candidate (beyond
   *     gen_ai.request.stream=true, markers and summaries)
   * @param clientSpanOperations {@code gen_ai.operation.name} values of GenAI client spans, held
   *     as candidates for the grace so that chunk log records sent after them still attach
   */
  public record Rules(
      List<RuleConfig> chunkSpans,
      List<RuleConfig> chunkEvents,
      List<RuleConfig> chunkLogs,
      List<RuleConfig> firstChunkMarkers,
      List<String> firstChunkAttributes,
      List<String> chunkCountAttributes,
      List<RuleConfig> streamSpans,
      List<String> clientSpanOperations) {
    public Rules {
      chunkSpans = Frozen.list(chunkSpans);
      chunkEvents = Frozen.list(chunkEvents);
      chunkLogs = Frozen.list(chunkLogs);
      firstChunkMarkers = Frozen.list(firstChunkMarkers);
      firstChunkAttributes = Frozen.list(firstChunkAttributes);
      chunkCountAttributes = Frozen.list(chunkCountAttributes);
      streamSpans = Frozen.list(streamSpans);
      clientSpanOperations = Frozen.list(clientSpanOperations);
    }
  }

  void validate(Validator v) {
    v.nonNegative(finalizeGrace, "finalize_grace");
    v.positive(idleTimeout, "idle_timeout");
    v.positive(maxStreamAge, "max_stream_age");
    v.positive(maxOpenStreams, "max_open_streams");
    v.positive(maxPendingItems, "max_pending_items");
    v.nonNegative(maxHeldSpans, "max_held_spans");
    v.positive(memoryBudgetMib, "memory_budget_mib");
    v.positive(maxChunksPerStream, "max_chunks_per_stream");
    v.check("drop".equals(chunkSpans) || "keep".equals(chunkSpans), "chunk_spans", "must be drop or keep, got '" + chunkSpans + "'");
    v.check("pass".equals(lateChunks) || "drop".equals(lateChunks), "late_chunks", "must be pass or drop, got '" + lateChunks + "'");
    Validator rc = v.section("recently_closed");
    rc.nonNegative(recentlyClosed.maxKeys(), "max_keys");
    rc.nonNegative(recentlyClosed.ttl(), "ttl");
    v.nonNegative(shards, "shards");
    v.check(shards <= 256, "shards", "must be <= 256");
    v.positive(tick, "tick");
    Validator r = v.section("rules");
    validateRules(r, "chunk_spans", rules.chunkSpans(), true);
    validateRules(r, "chunk_events", rules.chunkEvents(), true);
    validateRules(r, "chunk_logs", rules.chunkLogs(), true);
    validateRules(r, "first_chunk_markers", rules.firstChunkMarkers(), false);
    validateRules(r, "stream_spans", rules.streamSpans(), false);
    validateNames(r, "chunk_count_attributes", rules.chunkCountAttributes());
    validateNames(r, "first_chunk_attributes", rules.firstChunkAttributes());
    validateNames(r, "client_span_operations", rules.clientSpanOperations());
  }

  private static void validateNames(Validator v, String key, List<String> list) {
    v.check(list != null, key, "must be a list");
    if (list != null) {
      for (int i = 0; i < list.size(); i++) {
        v.check(list.get(i) != null && !list.get(i).isEmpty(), key + "[" + i + "]", "must not be empty");
      }
    }
  }

  private static void validateRules(Validator v, String key, List<RuleConfig> list, boolean chunks) {
    v.check(list != null, key, "must be a list");
    if (list == null) {
      return;
    }
    for (int i = 0; i < list.size(); i++) {
      RuleConfig rule = list.get(i);
      if (rule == null) {
        v.check(false, key + "[" + i + "]", "must not be empty");
      } else {
        Validator rv = v.section(key + "[" + i + "]");
        rule.validate(rv);
        rv.check(chunks || rule.indexAttribute().isEmpty(), "index_attribute", "only chunk rules have a chunk index");
        rv.check(chunks || rule.indexBase() == 0, "index_base", "only chunk rules have a chunk index");
      }
    }
  }
}
