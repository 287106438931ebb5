package dev.streamfold.explain;

import dev.streamfold.explain.Report.Finding;
import dev.streamfold.explain.Report.StreamReport;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A Markdown table with one row per stream (or one row for a recording without streams): what
 * {@code explain} makes of each recording. {@code streamfold explain --table FILE...} prints it;
 * the README's producer table is this output for the recorded fixtures. Stateless.
 */
public final class ProducerTable {
  static final String HEADER =
      "| recording | stream span | shape | chunks | TTFT ms | sampling ms | tokens/s | end | findings |\n"
          + "|---|---|---|---|---|---|---|---|---|\n";

  private ProducerTable() {}

  /** One entry per recording: its name in the table and its report. */
  public record Entry(String name, Report report) {}

  public static String render(List<Entry> entries) {
    StringBuilder b = new StringBuilder(HEADER);
    for (Entry e : entries) {
      List<StreamReport> streams = e.report().traces().stream().flatMap(t -> t.streams().stream()).toList();
      if (streams.isEmpty()) {
        b.append("| ").append(e.name()).append(" | none | | | | | | | ").append(codes(e.report().findings(), null)).append(" |\n");
        continue;
      }
      for (StreamReport s : streams) {
        Map<String, Object> f = s.figures();
        b.append("| ").append(e.name())
            .append(" | ").append(s.streamSpan().isEmpty() ? "(not seen)" : "`" + s.streamSpan() + "`")
            .append(" | ").append(s.shape())
            .append(" | ").append(f.getOrDefault("llm_stream.chunk.count", ""))
            .append(" | ").append(number(f.get("llm_stream.ttft_ms")))
            .append(" | ").append(number(f.get("llm_stream.sampling_ms")))
            .append(" | ").append(number(f.get("llm_stream.output_tokens_per_second")))
            .append(" | ").append(s.outcome().equals("unchanged") ? "unchanged" : s.endReason())
            .append(" | ").append(codes(e.report().findings(), s))
            .append(" |\n");
      }
    }
    return b.toString();
  }

  /** The codes of the findings about one stream (all of them when {@code s} is null). */
  private static String codes(List<Finding> findings, StreamReport s) {
    Set<String> codes = new LinkedHashSet<>();
    for (Finding f : findings) {
      if (s == null || (f.traceId().equals(s.traceId()) && f.spanId().equals(s.streamId()))) {
        codes.add(f.code());
      }
    }
    return String.join(", ", codes);
  }

  private static String number(Object v) {
    if (v instanceof Double d) {
      return String.format(java.util.Locale.ROOT, "%.1f", d);
    }
    return v == null ? "" : v.toString();
  }
}
