package dev.streamfold.telemetry;

import java.util.ArrayList;
import java.util.List;

/**
 * The SPEC 4 instruments: OTel name, unit, kind, default buckets and the pinned Prometheus
 * name. Immutable.
 */
enum Instrument {
  TIME_TO_FIRST_CHUNK(
      "gen_ai.client.operation.time_to_first_chunk",
      "gen_ai_client_operation_time_to_first_chunk_seconds",
      "s",
      Kind.SECONDS_HISTOGRAM,
      "Time from the start of a streamed LLM operation to its first chunk."),
  TIME_PER_OUTPUT_CHUNK(
      "gen_ai.client.operation.time_per_output_chunk",
      "gen_ai_client_operation_time_per_output_chunk_seconds",
      "s",
      Kind.SECONDS_HISTOGRAM,
      "Time between consecutive chunks of a streamed LLM response, one observation per interval."),
  DURATION(
      "gen_ai.client.operation.duration",
      "gen_ai_client_operation_duration_seconds",
      "s",
      Kind.SECONDS_HISTOGRAM,
      "Duration of a streamed LLM operation (its stream span)."),
  TOKEN_USAGE(
      "gen_ai.client.token.usage",
      "gen_ai_client_token_usage",
      "{token}",
      Kind.COUNT_HISTOGRAM,
      "Tokens per streamed LLM operation, by gen_ai.token.type."),
  OUTPUT_TOKENS_PER_SECOND(
      "llm_stream.output_tokens_per_second",
      "llm_stream_output_tokens_per_second",
      "{token}/s",
      Kind.COUNT_HISTOGRAM,
      "Output tokens per second over a stream's sampling time."),
  ACTIVE("llm_stream.active", "llm_stream_active", "{stream}", Kind.GAUGE, "Streams open in the aggregation window."),
  CLOSED(
      "llm_stream.closed",
      "llm_stream_closed_total",
      "{stream}",
      Kind.COUNTER,
      "Streams closed by the aggregation window, by end reason and input shape.");

  enum Kind {
    SECONDS_HISTOGRAM,
    COUNT_HISTOGRAM,
    GAUGE,
    COUNTER
  }

  /** SPEC 4: 0.01 s doubling to 81.92 s. */
  static final List<Double> SECONDS_BUCKETS = geometric(0.01, 2, 14);

  /** SPEC 4: 1 to 67108864, times 4. */
  static final List<Double> TOKEN_BUCKETS = geometric(1, 4, 14);

  static final List<Double> TOKENS_PER_SECOND_BUCKETS =
      List.of(1d, 2d, 5d, 10d, 20d, 50d, 100d, 200d, 500d, 1000d, 2000d, 5000d);

  final String otelName;
  final String prometheusName;
  final String unit;
  final Kind kind;
  final String description;

  Instrument(String otelName, String prometheusName, String unit, Kind kind, String description) {
    this.otelName = otelName;
    this.prometheusName = prometheusName;
    this.unit = unit;
    this.kind = kind;
    this.description = description;
  }

  boolean histogram() {
    return kind == Kind.SECONDS_HISTOGRAM || kind == Kind.COUNT_HISTOGRAM;
  }

  List<Double> defaultBuckets() {
    switch (this) {
      case TIME_TO_FIRST_CHUNK:
      case TIME_PER_OUTPUT_CHUNK:
      case DURATION:
        return SECONDS_BUCKETS;
      case TOKEN_USAGE:
        return TOKEN_BUCKETS;
      case OUTPUT_TOKENS_PER_SECOND:
        return TOKENS_PER_SECOND_BUCKETS;
      default:
        return List.of();
    }
  }

  /** {@code first * factor^i} for i in [0, n), computed so that the decimal values are exact. */
  private static List<Double> geometric(double first, long factor, int n) {
    List<Double> out = new ArrayList<>(n);
    long multiplier = 1;
    for (int i = 0; i < n; i++) {
      // one correctly rounded division: each bound is the double nearest its decimal spelling
      out.add(first >= 1 ? first * multiplier : multiplier / Math.rint(1 / first));
      multiplier *= factor;
    }
    return List.copyOf(out);
  }
}
