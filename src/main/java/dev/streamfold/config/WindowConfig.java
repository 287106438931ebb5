package dev.streamfold.config;

import dev.streamfold.limiter.HeapBudget;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import java.util.ArrayList;
import java.util.List;

/** {@code window}: the stream window (SPEC 1.2, 1.3, 3). */
public final class WindowConfig {
  private static final Logger log = LoggerFactory.getLogger(WindowConfig.class);
  /** Derived from the max heap (limiter.HeapBudget). */
  public static final long DEFAULT_MAX_PENDING_ITEMS = HeapBudget.maxPendingItems();

  public Duration finalizeGrace = Duration.ofSeconds(2);
  public Duration idleTimeout = Duration.ofSeconds(30);
  public Duration maxStreamAge = Duration.ofMinutes(10);
  /** Default derived from the max heap (limiter.HeapBudget); a value in the file wins. */
  public long maxOpenStreams = HeapBudget.maxOpenStreams();
  /**
   * Items (spans + span events + log records + metric points) admitted and not yet processed by
   * the window; past it receivers answer UNAVAILABLE / 503 with Retry-After. Default derived from
   * the max heap (limiter.HeapBudget); a value in the file wins.
   */
  public long maxPendingItems = DEFAULT_MAX_PENDING_ITEMS;
  /**
   * Spans held because their parent is unknown in a trace with an open stream (SPEC 3
   * re-parenting); past it the oldest is released unchecked (counted reparented ok=false).
   */
  public long maxHeldSpans = 10_000;
  /** Default derived from the max heap (limiter.HeapBudget); a value in the file wins. */
  public long memoryBudgetMib = HeapBudget.windowBudgetMib();
  public int maxChunksPerStream = 100_000;
  /** {@code drop} (default) or {@code keep}: what happens to chunk spans, events and logs. */
  public String chunkSpans = "drop";
  /** {@code pass} (default, with {@code llm_stream.late=true}) or {@code drop}. */
  public String lateChunks = "pass";
  public RecentlyClosed recentlyClosed = new RecentlyClosed();
  /** Owner threads; 0 = number of cores. */
  public int shards = 0;
  /** How often a shard checks deadlines when idle. */
  public Duration tick = Duration.ofMillis(50);
  public Rules rules = new Rules();

  public static final class RecentlyClosed {
    /** Default derived from the max heap (limiter.HeapBudget); a value in the file wins. */
    public long maxKeys = HeapBudget.recentlyClosedKeys();
    public Duration ttl = Duration.ofMinutes(5);
  }

  /** Recognition rules; a list given in the file replaces the default list. */
  public static final class Rules {
    public List<RuleConfig> chunkSpans = new ArrayList<>(List.of(
        RuleConfig.regex("^.+::chunk_[0-9]+$"),
        RuleConfig.attribute("mastra.span.type", "model_chunk").blocks()));
    public List<RuleConfig> chunkEvents = new ArrayList<>(List.of(
        RuleConfig.named("gen_ai.content.completion.chunk"),
        RuleConfig.named("llm.content.completion.chunk")));
    public List<RuleConfig> chunkLogs = new ArrayList<>(List.of(
        RuleConfig.named("gen_ai.content.completion.chunk"),
        RuleConfig.named("llm_stream.chunk")));
    public List<RuleConfig> firstChunkMarkers = new ArrayList<>(List.of(
        RuleConfig.named("First Token Stream Event"),
        RuleConfig.named("ai.stream.firstChunk")));
    /**
     * Span attributes whose value is the first chunk time (ISO-8601 text, or integer epoch
     * nanoseconds): a first-chunk marker on the span itself.
     */
    public List<String> firstChunkAttributes = new ArrayList<>(List.of("mastra.completion_start_time"));
    /** Extra rules marking a span as a stream span candidate (beyond gen_ai.request.stream=true, markers and summaries). */
    public List<RuleConfig> streamSpans = new ArrayList<>();
    /**
     * {@code gen_ai.operation.name} values of GenAI client spans, held as candidates for the
     * grace so that chunk log records sent after them still attach.
     */
    public List<String> clientSpanOperations = new ArrayList<>(List.of("chat", "text_completion", "generate_content"));
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
    v.check(chunkSpans.equals("drop") || chunkSpans.equals("keep"), "chunk_spans", "must be drop or keep, got '" + chunkSpans + "'");
    v.check(lateChunks.equals("pass") || lateChunks.equals("drop"), "late_chunks", "must be pass or drop, got '" + lateChunks + "'");
    Validator rc = v.section("recently_closed");
    rc.nonNegative(recentlyClosed.maxKeys, "max_keys");
    rc.nonNegative(recentlyClosed.ttl, "ttl");
    v.nonNegative(shards, "shards");
    v.check(shards <= 256, "shards", "must be <= 256");
    v.positive(tick, "tick");
    Validator r = v.section("rules");
    validateRules(r, "chunk_spans", rules.chunkSpans);
    validateRules(r, "chunk_events", rules.chunkEvents);
    validateRules(r, "chunk_logs", rules.chunkLogs);
    validateRules(r, "first_chunk_markers", rules.firstChunkMarkers);
    validateRules(r, "stream_spans", rules.streamSpans);
    validateNames(r, "first_chunk_attributes", rules.firstChunkAttributes);
    validateNames(r, "client_span_operations", rules.clientSpanOperations);
  }

  private static void validateNames(Validator v, String key, List<String> list) {
    v.check(list != null, key, "must be a list");
    if (list != null) {
      for (int i = 0; i < list.size(); i++) {
        v.check(list.get(i) != null && !list.get(i).isEmpty(), key + "[" + i + "]", "must not be empty");
      }
    }
  }

  private static void validateRules(Validator v, String key, List<RuleConfig> list) {
    v.check(list != null, key, "must be a list");
    if (list == null) {
      return;
    }
    for (int i = 0; i < list.size(); i++) {
      RuleConfig rule = list.get(i);
      if (rule == null) {
        v.check(false, key + "[" + i + "]", "must not be empty");
      } else {
        rule.validate(v.section(key + "[" + i + "]"));
      }
    }
  }
}
