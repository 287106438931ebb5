package dev.streamfold.explain;

import com.google.protobuf.ByteString;
import dev.streamfold.config.RuleConfig;
import dev.streamfold.config.WindowConfig;
import dev.streamfold.explain.RecordingObserver.Seen;
import dev.streamfold.explain.Report.ItemReport;
import dev.streamfold.explain.Report.StreamReport;
import dev.streamfold.explain.Report.TraceReport;
import dev.streamfold.explain.Report.What;
import dev.streamfold.otlp.Attributes;
import dev.streamfold.otlp.Items;
import io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.logs.v1.LogRecord;
import io.opentelemetry.proto.logs.v1.ResourceLogs;
import io.opentelemetry.proto.logs.v1.ScopeLogs;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code streamfold explain}: reads recorded telemetry, replays it through the window
 * ({@link Replay}) and builds the {@link Report}: every input item with what the window made of
 * it, every stream with the attributes the service would add, and {@link Findings}.
 */
public final class Explainer {
  private Explainer() {}

  public static Report explain(WindowConfig cfg, String configName, List<Path> files) {
    return explain(cfg, configName, files.stream().map(Path::toString).toList(), InputReader.read(files));
  }

  static Report explain(WindowConfig cfg, String configName, List<String> files, InputReader.Result input) {
    RecordingObserver obs = new RecordingObserver();
    Replay.Output out = Replay.run(cfg, input.requests(), obs);

    Map<String, List<ItemReport>> items = new LinkedHashMap<>();
    Map<StreamRef, String> labels = new LinkedHashMap<>();
    for (RecordingObserver.Stream s : obs.streams()) {
      labels.put(s.ref, "S" + (labels.size() + 1));
    }
    long spans = 0;
    long events = 0;
    long logs = 0;
    long points = 0;
    for (InputRequest r : input.requests()) {
      switch (r.signal()) {
        case TRACES -> {
          for (ResourceSpans rs : ((ExportTraceServiceRequest) r.message()).getResourceSpansList()) {
            String service = Attributes.string(rs.getResource().getAttributesList(), "service.name");
            for (ScopeSpans ss : rs.getScopeSpansList()) {
              for (Span s : ss.getSpansList()) {
                spans++;
                events += s.getEventsCount();
                addSpan(items.computeIfAbsent(hex(s.getTraceId()), k -> new ArrayList<>()), service, s, obs, labels, cfg);
              }
            }
          }
        }
        case LOGS -> {
          for (ResourceLogs rl : ((ExportLogsServiceRequest) r.message()).getResourceLogsList()) {
            String service = Attributes.string(rl.getResource().getAttributesList(), "service.name");
            for (ScopeLogs sl : rl.getScopeLogsList()) {
              for (LogRecord l : sl.getLogRecordsList()) {
                logs++;
                items.computeIfAbsent(hex(l.getTraceId()), k -> new ArrayList<>()).add(logItem(service, l, obs, labels));
              }
            }
          }
        }
        case METRICS -> points += Items.dataPoints(((ExportMetricsServiceRequest) r.message()).getResourceMetricsList());
      }
    }

    Map<String, List<StreamReport>> streamsByTrace = new LinkedHashMap<>();
    long condensed = 0;
    long incomplete = 0;
    List<StreamReport> all = new ArrayList<>();
    for (RecordingObserver.Stream s : obs.streams()) {
      StreamReport sr = stream(s, labels.get(s.ref));
      all.add(sr);
      streamsByTrace.computeIfAbsent(sr.traceId(), k -> new ArrayList<>()).add(sr);
      if (sr.outcome().equals("condensed")) {
        condensed++;
      } else if (sr.outcome().equals("incomplete")) {
        incomplete++;
      }
    }
    List<TraceReport> traces = new ArrayList<>();
    for (Map.Entry<String, List<ItemReport>> e : items.entrySet()) {
      traces.add(new TraceReport(e.getKey(), e.getValue(), streamsByTrace.getOrDefault(e.getKey(), List.of())));
    }
    Report.Totals totals = new Report.Totals(
        input.requests().size(), spans, events, logs, points, out.spanCount(), out.logCount(), all.size(), condensed, incomplete);
    Report.Settings settings = new Report.Settings(configName, Findings.duration(cfg.finalizeGrace()), Findings.duration(cfg.idleTimeout()), ruleList(cfg.rules()));
    return new Report(files, settings, totals, traces, Findings.find(input.requests(), obs, traces, all, cfg), input.errors());
  }

  private static void addSpan(List<ItemReport> out, String service, Span s, RecordingObserver obs, Map<StreamRef, String> labels, WindowConfig cfg) {
    Seen seen = obs.seen(s);
    What what = seen == null ? What.PASSED : seen.what();
    String detail = seen == null || (what == What.PASSED && seen.detail().isEmpty()) ? passReason(s) : seen.detail();
    out.add(new ItemReport("span", service, hex(s.getSpanId()), hex(s.getParentSpanId()), s.getName(), what, label(seen, labels), detail));
    for (Span.Event e : s.getEventsList()) {
      Seen es = obs.seen(e);
      What ew;
      String ed = "";
      if (es != null) {
        ew = es.what();
        ed = es.detail();
      } else if (what == What.CHUNK && cfg.chunkSpans().equals("drop") || what == What.DROPPED) {
        ew = What.EVENT_REMOVED;
        ed = "with its span";
      } else {
        ew = What.EVENT_KEPT;
      }
      out.add(new ItemReport("event", service, hex(s.getSpanId()), "", e.getName(), ew, label(es, labels), ed));
    }
  }

  private static ItemReport logItem(String service, LogRecord l, RecordingObserver obs, Map<StreamRef, String> labels) {
    Seen seen = obs.seen(l);
    String name = l.getEventName().isEmpty() ? Attributes.string(l.getAttributesList(), "event.name") : l.getEventName();
    What what = seen == null ? What.PASSED : seen.what();
    String detail;
    if (seen != null && !(what == What.PASSED && seen.detail().isEmpty())) {
      detail = seen.detail();
    } else if (l.getTraceId().isEmpty()) {
      detail = "no trace context";
    } else {
      detail = name.isEmpty() ? "no event name" : "no chunk_logs rule matches";
    }
    return new ItemReport("log", service, hex(l.getSpanId()), "", name, what, label(seen, labels), detail);
  }

  /** Why a span passed through at once. */
  private static String passReason(Span s) {
    return Heuristics.modelCallSignals(s).isEmpty() ? "not a chunk, announces no stream" : "no chunks and no summary (see findings)";
  }

  private static String label(Seen seen, Map<StreamRef, String> labels) {
    return seen == null || seen.stream() == null ? "" : labels.getOrDefault(seen.stream(), "");
  }

  private static StreamReport stream(RecordingObserver.Stream s, String label) {
    String outcome;
    Map<String, Object> figures = new LinkedHashMap<>();
    if (!s.closed) {
      outcome = "open";
    } else if (s.derived == null) {
      outcome = "unchanged";
    } else if (s.streamSpan == null) {
      outcome = "incomplete";
      for (KeyValue kv : s.emitted.getAttributesList()) {
        figures.put(kv.getKey(), value(kv.getValue()));
      }
    } else {
      outcome = "condensed";
      List<KeyValue> original = s.streamSpan.getAttributesList();
      for (KeyValue kv : s.emitted.getAttributesList()) {
        AnyValue before = Attributes.find(original, kv.getKey());
        if (kv.getKey().startsWith("llm_stream.") || before == null) {
          figures.put(kv.getKey(), value(kv.getValue()));
        }
      }
    }
    return new StreamReport(
        label,
        s.ref.traceHex(),
        s.ref.streamHex(),
        s.service,
        s.streamSpan == null ? "" : s.streamSpan.getName(),
        s.derived != null ? s.derived.inputShape().label() : s.shape == null ? "" : s.shape.label(),
        List.copyOf(s.rules),
        s.chunks,
        s.reason == null ? "" : s.reason.label(),
        outcome,
        s.emitted == null ? "" : s.emitted.getName(),
        s.emitted == null ? "" : hex(s.emitted.getSpanId()),
        figures);
  }

  static Object value(AnyValue v) {
    return switch (v.getValueCase()) {
      case INT_VALUE -> v.getIntValue();
      case DOUBLE_VALUE -> v.getDoubleValue();
      case BOOL_VALUE -> v.getBoolValue();
      default -> Attributes.string(v);
    };
  }

  static List<String> ruleList(WindowConfig.Rules r) {
    List<String> out = new ArrayList<>();
    add(out, "chunk_spans", r.chunkSpans());
    add(out, "chunk_events", r.chunkEvents());
    add(out, "chunk_logs", r.chunkLogs());
    add(out, "first_chunk_markers", r.firstChunkMarkers());
    add(out, "stream_spans", r.streamSpans());
    return out;
  }

  private static void add(List<String> out, String list, List<RuleConfig> rules) {
    for (int i = 0; i < rules.size(); i++) {
      out.add(list + "[" + i + "] " + Heuristics.describe(rules.get(i)));
    }
  }

  private static String hex(ByteString b) {
    return StreamRef.hex(b);
  }
}
