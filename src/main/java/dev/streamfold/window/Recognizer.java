package dev.streamfold.window;

import dev.streamfold.config.RuleConfig;
import dev.streamfold.config.WindowConfig;
import dev.streamfold.derive.Summary;
import dev.streamfold.otlp.Attributes;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.logs.v1.LogRecord;
import io.opentelemetry.proto.trace.v1.Span;
import java.util.List;
import java.util.Set;

/**
 * Decides what a span, span event or log record is (SPEC 1.2) from the configured rules. Not
 * thread-safe (rules reuse their matchers): one instance per window shard.
 */
final class Recognizer {
  static final String IS_CHUNK = "llm_stream.is_chunk";
  static final String STREAM_ID = "llm_stream.stream_id";
  /** The label reports give chunks recognized by {@code llm_stream.is_chunk=true}. */
  static final String IS_CHUNK_RULE = "llm_stream.is_chunk=true";
  /** A chunk's index in its stream, from 0, on any chunk (span, event, log record). */
  static final String CHUNK_INDEX = "llm_stream.chunk.index";

  private final Rule[] chunkSpans;
  private final Rule[] chunkEvents;
  private final Rule[] chunkLogs;
  private final Rule[] markers;
  private final Rule[] streamSpans;
  private final String[] firstChunkAttributes;
  private final Set<String> clientSpanOperations;
  private final String[] chunkCountAttributes;
  /** The span {@link #chunkSpanKind} last matched to a rule, and that rule (its index is read next). */
  private Span lastSpan;
  private Rule lastSpanRule;

  Recognizer(WindowConfig.Rules rules) {
    chunkSpans = compile(rules.chunkSpans(), "chunk_spans");
    chunkEvents = compile(rules.chunkEvents(), "chunk_events");
    chunkLogs = compile(rules.chunkLogs(), "chunk_logs");
    markers = compile(rules.firstChunkMarkers(), "first_chunk_markers");
    streamSpans = compile(rules.streamSpans(), "stream_spans");
    firstChunkAttributes = rules.firstChunkAttributes().toArray(String[]::new);
    clientSpanOperations = Set.copyOf(rules.clientSpanOperations());
    chunkCountAttributes = rules.chunkCountAttributes().toArray(String[]::new);
  }

  private static Rule[] compile(List<RuleConfig> list, String name) {
    Rule[] out = new Rule[list.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = new Rule(list.get(i), name + "[" + i + "]");
    }
    return out;
  }


  /**
   * What kind of chunk a span is: {@link StreamState#KIND_BLOCK} when a {@code chunk_time: block}
   * rule matches, {@link StreamState#KIND_SPAN} for another chunk-span rule or
   * {@code llm_stream.is_chunk} (read by the caller), else -1.
   */
  byte chunkSpanKind(Span s, boolean isChunkAttribute) {
    Rule r = chunkSpanMatch(s);
    lastSpan = r != null ? s : null;
    lastSpanRule = r;
    if (r != null) {
      return r.block() ? StreamState.KIND_BLOCK : StreamState.KIND_SPAN;
    }
    return isChunkAttribute ? StreamState.KIND_SPAN : -1;
  }

  /** The label of the rule that makes a span a chunk span ({@link #chunkSpanKind} said it is one). */
  String chunkSpanRule(Span s) {
    Rule r = chunkSpanMatch(s);
    return r != null ? r.label : IS_CHUNK_RULE;
  }

  private Rule chunkSpanMatch(Span s) {
    for (Rule r : chunkSpans) {
      if (r.matches(s.getName(), "", s.getAttributesList())) {
        return r;
      }
    }
    return null;
  }

  /**
   * A chunk span's index from 0 (SPEC: chunk indexes reveal missing chunks): from its rule (a
   * regex group {@code index} or an index attribute), else {@code llm_stream.chunk.index}
   * ({@code scanned}, read by {@link ChunkScan}); -1 when unknown.
   */
  int chunkSpanIndex(Span s, long scanned) {
    Rule r = s == lastSpan ? lastSpanRule : chunkSpanMatch(s);
    lastSpan = null;
    lastSpanRule = null;
    int i = r != null && r.hasIndex() ? r.index(s.getName(), s.getAttributesList()) : -1;
    return i >= 0 ? i : Rule.normalize(scanned, 0);
  }

  /** A chunk event's index from 0, or -1 (see {@link #chunkSpanIndex}). */
  int chunkEventIndex(Span.Event e) {
    Rule r = match(chunkEvents, e.getName(), e.getName(), e.getAttributesList());
    return index(r, e.getName(), e.getAttributesList());
  }

  /** A chunk log record's index from 0, or -1 (see {@link #chunkSpanIndex}). */
  int chunkLogIndex(LogRecord l, String eventName) {
    Rule r = match(chunkLogs, eventName, eventName, l.getAttributesList());
    return index(r, eventName, l.getAttributesList());
  }

  private static int index(Rule r, String name, List<KeyValue> attrs) {
    int i = r != null && r.hasIndex() ? r.index(name, attrs) : -1;
    return i >= 0 ? i : Rule.normalize(Attributes.count(attrs, CHUNK_INDEX), 0);
  }

  /**
   * How many chunks the stream span says the producer sent ({@code window.rules.chunk_count_attributes},
   * the first present), or -1.
   */
  long statedChunkCount(Span streamSpan) {
    if (streamSpan == null) {
      return -1;
    }
    for (String key : chunkCountAttributes) {
      long n = Attributes.count(streamSpan.getAttributesList(), key);
      if (n >= 0) {
        return n;
      }
    }
    return -1;
  }

  /**
   * The first chunk time a span states in a first-chunk attribute (ISO-8601 text or integer epoch
   * nanoseconds; the earliest when several), or -1.
   */
  long firstChunkAttributeTime(Span s) {
    long best = -1;
    for (String key : firstChunkAttributes) {
      long t = Timestamps.epochNanos(Attributes.find(s.getAttributesList(), key));
      if (t >= 0 && (best < 0 || t < best)) {
        best = t;
      }
    }
    return best;
  }

  /** A GenAI client span ({@code gen_ai.operation.name} chat, text_completion, generate_content by default). */
  boolean isClientSpan(Span s) {
    AnyValue op = Attributes.find(s.getAttributesList(), "gen_ai.operation.name");
    return op != null && clientSpanOperations.contains(Attributes.string(op));
  }

  boolean isChunkEvent(Span.Event e) {
    return chunkEventRule(e) != null;
  }

  /** The label of the rule that makes a span event a chunk, or null. */
  String chunkEventRule(Span.Event e) {
    List<KeyValue> attrs = e.getAttributesList();
    if (Attributes.isTrue(Attributes.find(attrs, IS_CHUNK))) {
      return IS_CHUNK_RULE;
    }
    return first(chunkEvents, e.getName(), e.getName(), attrs);
  }

  boolean isMarkerEvent(Span.Event e) {
    return markerRule(e) != null;
  }

  /** The label of the first-chunk marker rule an event matches, or null. */
  String markerRule(Span.Event e) {
    return first(markers, e.getName(), e.getName(), e.getAttributesList());
  }

  /** The log record's event name: {@code event_name}, else the {@code event.name} attribute. */
  static String logEventName(LogRecord r) {
    String n = r.getEventName();
    if (!n.isEmpty()) {
      return n;
    }
    AnyValue v = Attributes.find(r.getAttributesList(), "event.name");
    return v == null ? "" : Attributes.string(v);
  }

  boolean isChunkLog(LogRecord r, String eventName) {
    return chunkLogRule(r, eventName) != null;
  }

  /** The label of the rule that makes a log record a chunk, or null. */
  String chunkLogRule(LogRecord r, String eventName) {
    List<KeyValue> attrs = r.getAttributesList();
    if (Attributes.isTrue(Attributes.find(attrs, IS_CHUNK))) {
      return IS_CHUNK_RULE;
    }
    return first(chunkLogs, eventName, eventName, attrs);
  }

  /**
   * Whether a span with no chunks yet announces a stream and is held as a candidate:
   * {@code gen_ai.request.stream=true}, a first-chunk marker (event or attribute), a producer
   * summary, or a configured stream-span rule.
   */
  boolean announcesStream(Span s, Summary summary) {
    List<KeyValue> attrs = s.getAttributesList();
    if (Attributes.isTrue(Attributes.find(attrs, "gen_ai.request.stream"))) {
      return true;
    }
    if (summary.present()) {
      return true;
    }
    for (Span.Event e : s.getEventsList()) {
      if (isMarkerEvent(e)) {
        return true;
      }
    }
    if (firstChunkAttributeTime(s) >= 0) {
      return true;
    }
    return first(streamSpans, s.getName(), "", attrs) != null;
  }

  /** Cheap pre-check for {@link Summary#of}: any attribute or event that could carry a summary. */
  static boolean mayCarrySummary(Span s) {
    for (KeyValue kv : s.getAttributesList()) {
      String k = kv.getKey();
      if (k.startsWith("stream.") || k.equals("ttft_ms") || k.equals("sampling_ms") || k.startsWith("ai.response.ms")
          || k.equals("gen_ai.response.time_to_first_chunk") || k.equals("gen_ai.client.operation.time_to_first_chunk")) {
        return true;
      }
    }
    for (Span.Event e : s.getEventsList()) {
      if (Summary.isSummaryEvent(e.getName())) {
        return true;
      }
    }
    return false;
  }

  private static String first(Rule[] rules, String name, String eventName, List<KeyValue> attrs) {
    Rule r = match(rules, name, eventName, attrs);
    return r == null ? null : r.label;
  }

  private static Rule match(Rule[] rules, String name, String eventName, List<KeyValue> attrs) {
    for (Rule r : rules) {
      if (r.matches(name, eventName, attrs)) {
        return r;
      }
    }
    return null;
  }
}
