package dev.streamfold.explain;

import dev.streamfold.config.RuleConfig;
import dev.streamfold.config.WindowConfig;
import dev.streamfold.explain.RecordingObserver.Seen;
import dev.streamfold.explain.Report.Finding;
import dev.streamfold.explain.Report.StreamReport;
import dev.streamfold.explain.Report.TraceReport;
import dev.streamfold.explain.Report.What;
import dev.streamfold.otlp.Attributes;
import io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.logs.v1.LogRecord;
import io.opentelemetry.proto.logs.v1.ResourceLogs;
import io.opentelemetry.proto.logs.v1.ScopeLogs;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The plain-language findings of {@code explain}: model calls streamfold can derive nothing from,
 * repeated events, log records and sibling spans that look like chunks but match no rule (with the
 * rule to add), streams whose stream span never arrived, and notes on what a condensed stream's
 * figures rest on. Hints are aggregated by name across traces; problems are per item.
 */
final class Findings {
  /** Tokens per chunk from which chunks look like blocks of deltas rather than single deltas. */
  static final double BLOCK_TOKENS_PER_CHUNK = 3.0;

  private Findings() {}

  /** One aggregated "looks like chunks" observation. */
  private static final class Group {
    final String traceId;
    final String spanId;
    final String where;
    int items;
    int places;

    Group(String traceId, String spanId, String where) {
      this.traceId = traceId;
      this.spanId = spanId;
      this.where = where;
    }
  }

  static List<Finding> find(
      List<InputRequest> requests, RecordingObserver obs, List<TraceReport> traces, List<StreamReport> streams, WindowConfig cfg) {
    List<Finding> out = new ArrayList<>();
    Map<String, StreamReport> byRef = new LinkedHashMap<>();
    for (StreamReport s : streams) {
      byRef.put(s.traceId() + "/" + s.streamId(), s);
    }
    Map<String, Group> events = new LinkedHashMap<>();
    Map<String, Group> logs = new LinkedHashMap<>();
    Map<String, Integer> logsPerSpan = new LinkedHashMap<>();
    Map<String, Group> noContext = new LinkedHashMap<>();
    Map<String, List<Span>> siblings = new LinkedHashMap<>();
    Map<String, String> spanNames = new LinkedHashMap<>();
    Map<String, Integer> noData = new LinkedHashMap<>();
    Map<String, String> condensedAlready = new LinkedHashMap<>();

    for (InputRequest r : requests) {
      if (r.message() instanceof ExportTraceServiceRequest t) {
        for (ResourceSpans rs : t.getResourceSpansList()) {
          for (ScopeSpans ss : rs.getScopeSpansList()) {
            for (Span s : ss.getSpansList()) {
              String key = StreamRef.hex(s.getTraceId()) + "/" + StreamRef.hex(s.getSpanId());
              spanNames.put(key, s.getName());
              if (Attributes.has(s.getAttributesList(), "llm_stream.input_shape")) {
                condensedAlready.put(key, s.getName());
              }
              span(s, obs, byRef, cfg, out, events, siblings, noData);
            }
          }
        }
      } else if (r.message() instanceof ExportLogsServiceRequest l) {
        for (ResourceLogs rl : l.getResourceLogsList()) {
          for (ScopeLogs sl : rl.getScopeLogsList()) {
            for (LogRecord rec : sl.getLogRecordsList()) {
              log(rec, obs.seen(rec), cfg, logsPerSpan, noContext);
            }
          }
        }
      }
    }
    for (Map.Entry<String, Integer> nd : noData.entrySet()) {
      List<String> names = new ArrayList<>();
      for (String k : logsPerSpan.keySet()) {
        if (k.startsWith(nd.getKey() + "/")) {
          names.add(k.substring(nd.getKey().length() + 1));
        }
      }
      if (!names.isEmpty()) {
        Finding f = out.get(nd.getValue());
        out.set(nd.getValue(), new Finding(f.level(), f.code(), f.traceId(), f.spanId(), f.message()
            + " Log records in its context (" + String.join(", ", names) + ") are not chunks by the configured rules"
            + (names.contains("gen_ai.choice") ? "; gen_ai.choice is one record per whole choice in most instrumentations" : "") + "."));
      }
    }
    for (Map.Entry<String, Integer> e : logsPerSpan.entrySet()) {
      if (e.getValue() < 2) {
        continue;
      }
      String[] k = e.getKey().split("/", 3);
      Group g = logs.computeIfAbsent(k[2], n -> new Group(k[0], k[1], "span `" + spanNames.getOrDefault(k[0] + "/" + k[1], k[1]) + "`"));
      g.items += e.getValue();
      g.places++;
    }
    for (Map.Entry<String, Group> e : logs.entrySet()) {
      out.add(unmatchedLogs(e.getKey(), e.getValue(), cfg));
    }
    for (Map.Entry<String, Group> e : events.entrySet()) {
      out.add(unmatchedEvents(e.getKey(), e.getValue(), cfg));
    }
    siblingSpans(siblings, cfg, out);
    for (Map.Entry<String, Group> e : noContext.entrySet()) {
      Group g = e.getValue();
      out.add(new Finding("problem", "chunk_logs_without_context", g.traceId, g.spanId,
          g.items + " log records named `" + e.getKey() + "` match a chunk_logs rule but carry no trace and span context:"
              + " they pass through unchanged. The producer must emit them inside the stream span's context (the span that is"
              + " active while the response streams)."));
    }
    if (!condensedAlready.isEmpty()) {
      String[] first = condensedAlready.keySet().iterator().next().split("/");
      out.add(new Finding("problem", "already_condensed", first[0], first[1],
          condensedAlready.size() + " spans already carry streamfold's llm_stream.* attributes (e.g. `"
              + condensedAlready.values().iterator().next() + "`): this recording is streamfold's output, not what the app sends."
              + " Record the app's telemetry before streamfold, e.g. with a Collector's file exporter (see the README)."));
    }
    for (StreamReport s : streams) {
      if (!condensedAlready.containsKey(s.traceId() + "/" + s.streamId())) {
        stream(s, cfg, out);
      }
    }
    out.sort(Comparator.comparingInt(f -> rank(f.level())));
    return out;
  }

  private static void span(
      Span s,
      RecordingObserver obs,
      Map<String, StreamReport> streams,
      WindowConfig cfg,
      List<Finding> out,
      Map<String, Group> events,
      Map<String, List<Span>> siblings,
      Map<String, Integer> noData) {
    String trace = StreamRef.hex(s.getTraceId());
    String id = StreamRef.hex(s.getSpanId());
    Seen seen = obs.seen(s);
    boolean plain = seen == null || (seen.what() == What.PASSED && seen.detail().isEmpty());
    StreamReport own = streams.get(trace + "/" + id);
    boolean candidateUnchanged = seen != null && seen.what() == What.CANDIDATE && own != null && own.outcome().equals("unchanged");
    if (plain || candidateUnchanged) {
      String signals = Heuristics.modelCallSignals(s);
      if (!signals.isEmpty()) {
        String held = candidateUnchanged
            ? " It was held for finalize_grace (" + duration(cfg.finalizeGrace()) + ") as a stream candidate, nothing arrived, and it passes through unchanged."
            : " It passes through unchanged.";
        noData.put(trace + "/" + id, out.size());
        out.add(new Finding("problem", "no_stream_data", trace, id,
            "span `" + s.getName() + "` has " + signals + " but no chunk spans, chunk events or chunk log records and no summary"
                + " attributes: nothing to derive." + held + " If this call streamed, " + Heuristics.noStreamDataAdvice() + "."));
      }
    }
    if (plain) {
      siblings.computeIfAbsent(trace + "/" + StreamRef.hex(s.getParentSpanId()) + "/" + Heuristics.nameShape(s.getName()), k -> new ArrayList<>()).add(s);
    }
    if (seen != null && seen.what() == What.CHUNK) {
      return; // a chunk span's events go with it
    }
    Map<String, Integer> names = new LinkedHashMap<>();
    for (Span.Event e : s.getEventsList()) {
      if (!e.getName().equals("exception") && obs.seen(e) == null) {
        names.merge(e.getName(), 1, Integer::sum);
      }
    }
    for (Map.Entry<String, Integer> n : names.entrySet()) {
      if (n.getValue() >= 2) {
        Group g = events.computeIfAbsent(n.getKey(), k -> new Group(trace, id, "span `" + s.getName() + "`"));
        g.items += n.getValue();
        g.places++;
      }
    }
  }

  private static void log(LogRecord l, Seen seen, WindowConfig cfg, Map<String, Integer> perSpan, Map<String, Group> noContext) {
    boolean plain = seen == null || (seen.what() == What.PASSED && seen.detail().isEmpty());
    if (!plain) {
      return;
    }
    String name = l.getEventName().isEmpty() ? Attributes.string(l.getAttributesList(), "event.name") : l.getEventName();
    if (name.isEmpty()) {
      return;
    }
    if (l.getTraceId().isEmpty() || l.getSpanId().isEmpty()) {
      for (RuleConfig r : cfg.rules().chunkLogs()) {
        if (r.eventName().equals(name)) {
          Group g = noContext.computeIfAbsent(name, k -> new Group("", "", ""));
          g.items++;
          break;
        }
      }
      return;
    }
    perSpan.merge(StreamRef.hex(l.getTraceId()) + "/" + StreamRef.hex(l.getSpanId()) + "/" + name, 1, Integer::sum);
  }

  private static Finding unmatchedLogs(String name, Group g, WindowConfig cfg) {
    String note = name.equals("gen_ai.choice")
        ? " (most instrumentations emit gen_ai.choice once per whole choice; add it only if this producer emits one per chunk:"
            + " the default config ships this rule commented)"
        : "";
    return new Finding("hint", "unmatched_chunk_logs", g.traceId, g.spanId,
        g.items + " log records named `" + name + "` on " + places(g) + " look like chunks but no chunk_logs rule matches"
            + note + ". To condense them, add the rule (a list in your file replaces the default list, so keep its entries):\n"
            + Heuristics.addRule("chunk_logs", cfg.rules().chunkLogs(), "{event_name: " + Heuristics.yamlScalar(name) + "}"));
  }

  private static Finding unmatchedEvents(String name, Group g, WindowConfig cfg) {
    return new Finding("hint", "unmatched_chunk_events", g.traceId, g.spanId,
        g.items + " span events named `" + name + "` on " + places(g) + " look like chunks but no chunk_events rule matches."
            + " If each marks one streamed chunk, add the rule (a list in your file replaces the default list, so keep its entries;"
            + " add attribute_key / attribute_value to narrow it, as the commented gRPC message rule does):\n"
            + Heuristics.addRule("chunk_events", cfg.rules().chunkEvents(), "{event_name: " + Heuristics.yamlScalar(name) + "}"));
  }

  private static void siblingSpans(Map<String, List<Span>> siblings, WindowConfig cfg, List<Finding> out) {
    Map<String, Group> byRegex = new LinkedHashMap<>();
    for (Map.Entry<String, List<Span>> e : siblings.entrySet()) {
      List<Span> spans = e.getValue();
      if (spans.size() < 2 || spans.get(0).getParentSpanId().isEmpty()) {
        continue;
      }
      String regex = Heuristics.chunkSpanRegex(spans.get(0).getName());
      if (regex == null) {
        continue;
      }
      Span first = spans.get(0);
      Group g = byRegex.computeIfAbsent(regex, k -> new Group(StreamRef.hex(first.getTraceId()), StreamRef.hex(first.getParentSpanId()), ""));
      g.items += spans.size();
      g.places++;
    }
    for (Map.Entry<String, Group> e : byRegex.entrySet()) {
      Group g = e.getValue();
      out.add(new Finding("hint", "unmatched_chunk_spans", g.traceId, g.spanId,
          g.items + " sibling spans under " + g.places + (g.places == 1 ? " parent" : " parents") + " are named like chunks ("
              + e.getKey() + ") but no chunk_spans rule matches. If each covers one streamed chunk, add the rule (keep the list's"
              + " entries), or have the producer set llm_stream.is_chunk=true on them:\n"
              + Heuristics.addRule("chunk_spans", cfg.rules().chunkSpans(), "{name_regex: '" + e.getKey().replace("'", "''") + "'}")));
    }
  }

  private static void stream(StreamReport s, WindowConfig cfg, List<Finding> out) {
    String kind = switch (s.shape()) {
      case "chunk_spans" -> "chunk spans";
      case "chunk_events" -> "chunk events";
      case "chunk_logs" -> "chunk log records";
      default -> "chunks";
    };
    if (s.outcome().equals("incomplete")) {
      out.add(new Finding("problem", "missing_stream_span", s.traceId(), s.streamId(),
          s.label() + ": " + s.chunks() + " " + kind + " of stream " + s.streamId() + " arrived, but their stream span (span id "
              + s.streamId() + ") is not in the input: the service would wait idle_timeout (" + duration(cfg.idleTimeout()) + ") and emit `"
              + s.emittedName() + "` with complete=false, end_reason=" + s.endReason() + " and no TTFT or duration."
              + " If the recording stopped early, record until that span ends (SDKs export it after its chunks);"
              + " otherwise check that the producer exports it (sampling, another exporter)."));
      return;
    }
    if (!s.outcome().equals("condensed")) {
      return;
    }
    if (s.shape().equals("summary")) {
      out.add(new Finding("info", "summary_only", s.traceId(), s.streamId(),
          s.label() + " `" + s.streamSpan() + "`: no per-chunk data; the figures come from the producer's own summary"
              + " attributes, so there are no chunk intervals or chunk counts unless it reports them."));
    }
    Object tokens = s.figures().get("llm_stream.output_tokens");
    Object count = s.figures().get("llm_stream.chunk.count");
    // only with the stream span's usage count: per-chunk counts mean the producer reports per chunk
    if (s.shape().equals("chunk_spans") && "usage".equals(s.figures().get("llm_stream.token_source"))
        && tokens instanceof Long t && count instanceof Long n && n > 0
        && (double) t / n >= BLOCK_TOKENS_PER_CHUNK) {
      out.add(new Finding("info", "block_chunks", s.traceId(), s.streamId(),
          s.label() + " `" + s.streamSpan() + "`: " + n + (n == 1 ? " chunk span" : " chunk spans") + " for " + t + " output tokens: each chunk span covers a block"
              + " of deltas (Mastra's model_chunk spans cover a whole text or reasoning part), so chunk intervals and"
              + " chunks_per_second describe blocks, not deltas."));
    }
  }

  /** A duration as the config file writes it: 2s, 30s, 10m, 250ms. */
  static String duration(java.time.Duration d) {
    long ms = d.toMillis();
    if (ms % 3_600_000 == 0 && ms > 0) {
      return ms / 3_600_000 + "h";
    }
    if (ms % 60_000 == 0 && ms > 0) {
      return ms / 60_000 + "m";
    }
    if (ms % 1000 == 0) {
      return ms / 1000 + "s";
    }
    return ms + "ms";
  }

  private static String places(Group g) {
    return g.places == 1 ? g.where : g.places + " spans (e.g. " + g.where + ")";
  }

  private static int rank(String level) {
    return switch (level) {
      case "problem" -> 0;
      case "hint" -> 1;
      default -> 2;
    };
  }
}
