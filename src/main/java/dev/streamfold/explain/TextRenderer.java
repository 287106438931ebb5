package dev.streamfold.explain;

import dev.streamfold.explain.Report.Finding;
import dev.streamfold.explain.Report.ItemReport;
import dev.streamfold.explain.Report.StreamReport;
import dev.streamfold.explain.Report.TraceReport;
import java.util.Map;

/** Renders a {@link Report} for a person reading a terminal. Stateless. */
public final class TextRenderer {
  /** Findings are wrapped at this many characters (YAML lines are left as they are). */
  static final int WIDTH = 96;
  /** Findings of one code printed before the rest are summarized in one line. */
  static final int MAX_PER_CODE = 5;
  private TextRenderer() {}

  public static String render(Report r) {
    StringBuilder b = new StringBuilder(4096);
    Report.Totals t = r.totals();
    b.append("streamfold explain: ").append(r.files().size()).append(r.files().size() == 1 ? " file, " : " files, ")
        .append(t.requests()).append(t.requests() == 1 ? " request: " : " requests: ")
        .append(t.spans()).append(" spans, ").append(t.spanEvents()).append(" span events, ")
        .append(t.logRecords()).append(" log records, ").append(t.metricPoints()).append(" metric points\n");
    b.append("config: ").append(r.settings().config()).append(" (finalize_grace ").append(r.settings().finalizeGrace())
        .append(", idle_timeout ").append(r.settings().idleTimeout()).append(")\n");
    for (TraceReport tr : r.traces()) {
      b.append('\n').append("trace ").append(tr.traceId().isEmpty() ? "(none: records without trace context)" : tr.traceId()).append('\n');
      for (ItemReport i : tr.items()) {
        item(b, i);
      }
      for (StreamReport s : tr.streams()) {
        stream(b, s);
      }
    }
    b.append('\n');
    if (r.findings().isEmpty()) {
      b.append("findings: none\n");
    } else {
      b.append("findings:\n");
      Map<String, Integer> shown = new java.util.LinkedHashMap<>();
      for (Finding f : r.findings()) {
        int n = shown.merge(f.code(), 1, Integer::sum);
        if (n > MAX_PER_CODE) {
          continue;
        }
        b.append("  ").append(f.level()).append(' ').append(f.code());
        if (!f.traceId().isEmpty()) {
          b.append(" (trace ").append(f.traceId()).append(f.spanId().isEmpty() ? "" : " span " + f.spanId()).append(')');
        }
        b.append('\n').append(indent(wrap(f.message(), WIDTH), "    ")).append('\n');
      }
      for (Map.Entry<String, Integer> e : shown.entrySet()) {
        if (e.getValue() > MAX_PER_CODE) {
          b.append("  ... and ").append(e.getValue() - MAX_PER_CODE).append(" more ").append(e.getKey()).append(" findings (all in --json)\n");
        }
      }
    }
    b.append("\nstreamfold would emit ").append(t.outSpans()).append(" spans (").append(t.condensed()).append(" condensed, ")
        .append(t.incomplete()).append(" llm_stream.incomplete) and ").append(t.outLogRecords()).append(" log records\nfrom ")
        .append(t.spans()).append(" spans and ").append(t.logRecords()).append(" log records in; metrics pass unchanged\n");

    return b.toString();
  }

  private static void item(StringBuilder b, ItemReport i) {
    switch (i.kind()) {
      case "span" -> b.append("  span  ").append(i.spanId()).append("  ").append(i.name());
      case "event" -> b.append("          event ").append(i.name());
      default -> b.append("  log   ").append(i.spanId().isEmpty() ? "(no span)       " : i.spanId()).append("  ")
          .append(i.name().isEmpty() ? "(no event name)" : i.name());
    }
    b.append(": ").append(describe(i)).append('\n');
  }

  static String describe(ItemReport i) {
    String s = i.stream();
    return switch (i.what()) {
      case CHUNK -> "chunk of " + s + " by " + i.detail();
      case STREAM_SPAN -> "stream span of " + s;
      case CANDIDATE -> "held as stream candidate " + s + " (a GenAI client span, or it announces a stream)";
      case MARKER -> "first-chunk marker of " + s + " by " + i.detail();
      case REPARENTED -> "passed, re-parented to the stream span of " + s + " (its parent was a chunk span)";
      case EVENT_KEPT -> "kept on its span";
      case EVENT_REMOVED -> "removed " + i.detail();
      case PASSED -> "passed through: " + i.detail();
      case DROPPED -> "dropped: " + i.detail();
    };
  }

  private static void stream(StringBuilder b, StreamReport s) {
    b.append("  stream ").append(s.label()).append(' ').append(s.streamId());
    b.append(s.streamSpan().isEmpty() ? " (stream span not seen)" : " `" + s.streamSpan() + "`");
    if (!s.service().isEmpty()) {
      b.append(", service ").append(s.service());
    }
    b.append(": ").append(s.shape().isEmpty() ? "no chunks" : s.shape() + ", " + s.chunks() + (s.chunks() == 1 ? " chunk" : " chunks"));
    switch (s.outcome()) {
      case "condensed" -> b.append(" -> `").append(s.emittedName()).append("` condensed, closed ").append(s.endReason());
      case "incomplete" -> b.append(" -> `").append(s.emittedName()).append("` ").append(s.emittedSpanId()).append(", closed ").append(s.endReason());
      case "unchanged" -> b.append(" -> nothing arrived: passes through unchanged after finalize_grace");
      default -> b.append(" -> still open");
    }
    b.append('\n');
    for (Map.Entry<String, Object> f : s.figures().entrySet()) {
      b.append("      ").append(f.getKey()).append(" = ").append(f.getValue()).append('\n');
    }
  }

  /** Greedy word wrap of each line longer than {@code width}. */
  static String wrap(String text, int width) {
    StringBuilder out = new StringBuilder(text.length() + 16);
    for (String line : text.split("\n", -1)) {
      if (out.length() > 0) {
        out.append('\n');
      }
      int col = 0;
      for (String word : line.split(" ", -1)) {
        if (col > 0 && col + 1 + word.length() > width) {
          out.append('\n');
          col = 0;
        } else if (col > 0) {
          out.append(' ');
          col++;
        }
        out.append(word);
        col += word.length();
      }
    }
    return out.toString();
  }

  static String indent(String text, String prefix) {
    return prefix + text.replace("\n", "\n" + prefix);
  }
}
