package dev.streamfold.derive;

import dev.streamfold.otlp.Attributes;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.trace.v1.Span;
import java.util.List;

/**
 * What a producer already summarized on a stream span (SPEC 1.2 shape D, section 2 mapping),
 * read from the span's attributes and from Burr's {@code stream_completed} /
 * {@code stream_error} event. NaN / -1 = absent. Immutable.
 */
public record Summary(
    double ttftMs,
    double samplingMs,
    double durationMs,
    double generationMs,
    double consumerMs,
    double requestSetupMs,
    long iterationCount,
    long outputTokens,
    long inputTokens,
    long cacheReadTokens,
    long reasoningTokens,
    boolean present) {

  public static final Summary NONE =
      new Summary(Double.NaN, Double.NaN, Double.NaN, Double.NaN, Double.NaN, Double.NaN, -1, -1, -1, -1, -1, false);

  static final String[] OUTPUT_TOKEN_KEYS = {
    "gen_ai.usage.output_tokens", "llm.token_count.completion", "ai.usage.completionTokens", "ai.usage.outputTokens"
  };
  static final String[] INPUT_TOKEN_KEYS = {
    "gen_ai.usage.input_tokens", "llm.token_count.prompt", "ai.usage.promptTokens", "ai.usage.inputTokens"
  };
  static final String[] CACHE_READ_KEYS = {
    "gen_ai.usage.cache_read.input_tokens", "gen_ai.usage.cache_read_input_tokens", "gen_ai.usage.cached_tokens", "cached_input_tokens"
  };
  static final String[] REASONING_KEYS = {
    "gen_ai.usage.reasoning.output_tokens", "gen_ai.usage.reasoning_tokens", "ai.usage.reasoningTokens"
  };

  /** Burr EVENT-mode events that carry the {@code stream.*} summary. */
  public static boolean isSummaryEvent(String name) {
    return name.equals("stream_completed") || name.equals("stream_error");
  }

  /** Reads the summary of a span; {@link #present()} is true when any timing summary exists. */
  public static Summary of(Span span) {
    List<KeyValue> a = span.getAttributesList();
    List<KeyValue> ev = null;
    for (Span.Event e : span.getEventsList()) {
      if (isSummaryEvent(e.getName())) {
        ev = e.getAttributesList();
        break;
      }
    }
    double burrFirst = num(a, ev, "stream.first_item_time_ms");
    double burrGen = num(a, ev, "stream.generation_time_ms");
    double burrConsumer = num(a, ev, "stream.consumer_time_ms");
    double burrTotal = num(a, ev, "stream.total_time_ms");
    long iterations = cnt(a, ev, "stream.iteration_count");

    double qwenTtft = num(a, null, "ttft_ms");
    double qwenSampling = num(a, null, "sampling_ms");
    double setup = num(a, null, "request_setup_ms");

    double vercelFirst = num(a, null, "ai.response.msToFirstChunk");
    double vercelFinish = num(a, null, "ai.response.msToFinish");
    double semconvTtfcS = num(a, null, "gen_ai.response.time_to_first_chunk");
    // AI SDK 7's semconv integration records the client metric's value on the span (seconds)
    double clientTtfcS = num(a, null, "gen_ai.client.operation.time_to_first_chunk");

    double ttft = firstFinite(burrFirst, qwenTtft, vercelFirst, semconvTtfcS * 1000.0, clientTtfcS * 1000.0);
    double sampling = qwenSampling;
    if (Double.isNaN(sampling) && !Double.isNaN(vercelFirst) && !Double.isNaN(vercelFinish)) {
      sampling = Math.max(0, vercelFinish - vercelFirst);
    }
    boolean present =
        !Double.isNaN(ttft) || !Double.isNaN(sampling) || !Double.isNaN(burrGen)
            || !Double.isNaN(burrConsumer) || !Double.isNaN(burrTotal) || iterations >= 0;
    return new Summary(
        ttft,
        sampling,
        burrTotal,
        burrGen,
        burrConsumer,
        setup,
        iterations,
        firstCount(a, OUTPUT_TOKEN_KEYS),
        firstCount(a, INPUT_TOKEN_KEYS),
        firstCount(a, CACHE_READ_KEYS),
        firstCount(a, REASONING_KEYS),
        present);
  }

  /**
   * A producer's time value: finite and not negative, else absent (NaN). NaN, infinities and
   * negative durations from the data never reach a derived attribute.
   */
  private static double num(List<KeyValue> a, List<KeyValue> ev, String key) {
    double v = Attributes.number(a, key);
    if (Double.isNaN(v) && ev != null) {
      v = Attributes.number(ev, key);
    }
    return Double.isFinite(v) && v >= 0 ? v : Double.NaN;
  }

  private static long cnt(List<KeyValue> a, List<KeyValue> ev, String key) {
    long v = Attributes.count(a, key);
    if (v < 0 && ev != null) {
      v = Attributes.count(ev, key);
    }
    return v;
  }

  static long firstCount(List<KeyValue> a, String[] keys) {
    for (String k : keys) {
      long v = Attributes.count(a, k);
      if (v >= 0) {
        return v;
      }
    }
    return -1;
  }

  private static double firstFinite(double... vs) {
    for (double v : vs) {
      if (Double.isFinite(v)) {
        return v;
      }
    }
    return Double.NaN;
  }
}
