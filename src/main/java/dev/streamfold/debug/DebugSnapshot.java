package dev.streamfold.debug;

import java.util.List;
import java.util.Map;

/**
 * What the debug page shows at one instant. Names, ids, counts and figures only: no attribute
 * payloads (prompts, completions). Immutable.
 *
 * @param windowOpenStreams open streams as the window counts them (tracked or not)
 * @param untrackedOpen open streams past {@code max_open_streams} of the page (counted, not listed)
 * @param rules chunks per recognition rule label, since start
 * @param droppedFindings findings not kept because {@code max_findings} kinds were already kept
 */
public record DebugSnapshot(
    long takenAtUnixMs,
    long windowOpenStreams,
    List<OpenGroup> open,
    long untrackedOpen,
    List<ClosedView> recent,
    long closedTotal,
    Map<String, Long> rules,
    List<LiveFinding> findings,
    long droppedFindings) {

  /** Open streams that share service, model and shape. */
  public record OpenGroup(String service, String model, String shape, long streams, long chunks, long oldestAgeMs) {}

  /**
   * A recently closed stream.
   *
   * @param figures the derived figures that exist (ttft_ms, duration_ms, sampling_ms,
   *     output_tokens, output_tokens_per_second, chunk_count ...), by attribute name without the
   *     {@code llm_stream.} prefix
   */
  public record ClosedView(
      long closedAtUnixMs,
      String traceId,
      String spanId,
      String name,
      String service,
      String model,
      String shape,
      String endReason,
      boolean complete,
      Map<String, Object> figures) {}

  /** A "looks like a stream but nothing is derived" observation, aggregated by kind and name. */
  public record LiveFinding(String code, String subject, long count, String exampleTraceId, String advice) {}
}
