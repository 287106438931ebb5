package dev.streamfold.loadgen;

import java.util.Locale;

/** The stream shapes of SPEC 1.2 as the load generator emits them. */
enum Shape {
  /** A child span per chunk ({@code {action}::chunk_{N}}), parent = stream span. */
  A("chunk_spans"),
  /** One {@code gen_ai.content.completion.chunk} span event per chunk on the stream span. */
  B("chunk_events"),
  /** One log record per chunk (LogsService) with the stream span's context, plus the stream span. */
  C("chunk_logs"),
  /** No chunks: a qwen-code style span carrying ttft_ms / sampling_ms / output_tokens_per_second. */
  D("summary");

  final String inputShape;

  Shape(String inputShape) {
    this.inputShape = inputShape;
  }

  /** Parses {@code A}..{@code D} or the {@code llm_stream.input_shape} name; {@code null} for anything else. */
  static Shape parse(String s) {
    String v = s.trim();
    for (Shape sh : values()) {
      if (sh.name().equalsIgnoreCase(v) || sh.inputShape.equals(v.toLowerCase(Locale.ROOT))) {
        return sh;
      }
    }
    return null;
  }
}
