package dev.streamfold.explain;

import java.util.List;
import java.util.Map;

/**
 * What {@code explain} found: per trace every span, span event and log record with what the
 * window made of it, each stream with the figures the service would emit, and findings in plain
 * language. Holds names, ids, counts and figures only, never attribute payloads. Immutable.
 */
public record Report(
    List<String> files,
    Settings settings,
    Totals totals,
    List<TraceReport> traces,
    List<Finding> findings,
    List<InputError> errors) {

  /** The window settings the input ran with. */
  public record Settings(String config, String finalizeGrace, String idleTimeout, List<String> rules) {}

  /** Units in and out. */
  public record Totals(
      int requests,
      long spans,
      long spanEvents,
      long logRecords,
      long metricPoints,
      long outSpans,
      long outLogRecords,
      long streams,
      long condensed,
      long incomplete) {}

  public record TraceReport(String traceId, List<ItemReport> items, List<StreamReport> streams) {}

  /**
   * One input item.
   *
   * @param kind {@code span}, {@code event} (of the span above it) or {@code log}
   * @param what see {@link What}
   * @param stream the stream label ({@code S1}) it belongs to, or ""
   * @param detail the rule that matched, or the reason it passed or was dropped
   */
  public record ItemReport(
      String kind, String service, String spanId, String parentSpanId, String name, What what, String stream, String detail) {}

  /** What the window made of an item. */
  public enum What {
    CHUNK("chunk"),
    STREAM_SPAN("stream span"),
    CANDIDATE("candidate"),
    MARKER("first-chunk marker"),
    REPARENTED("re-parented"),
    EVENT_KEPT("kept on its span"),
    EVENT_REMOVED("removed (a chunk)"),
    PASSED("passed"),
    DROPPED("dropped");

    private final String label;

    What(String label) {
      this.label = label;
    }

    public String label() {
      return label;
    }
  }

  /**
   * One stream.
   *
   * @param label {@code S1}, {@code S2} ... in order of first appearance
   * @param streamSpan the stream span's name, or "" when it never arrived
   * @param outcome {@code condensed}, {@code incomplete} (an {@code llm_stream.incomplete} span)
   *     or {@code unchanged} (a candidate that got nothing)
   * @param figures the attributes streamfold adds to the emitted span, as it emits them (Long,
   *     Double, Boolean or String values)
   */
  public record StreamReport(
      String label,
      String traceId,
      String streamId,
      String service,
      String streamSpan,
      String shape,
      List<String> rules,
      int chunks,
      String endReason,
      String outcome,
      String emittedName,
      String emittedSpanId,
      Map<String, Object> figures) {}

  /**
   * A plain-language finding.
   *
   * @param level {@code problem} (streamfold will derive nothing or only part), {@code hint} (a
   *     config change would help) or {@code info}
   * @param code stable identifier, e.g. {@code no_stream_data}
   */
  public record Finding(String level, String code, String traceId, String spanId, String message) {}
}
