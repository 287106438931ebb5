package dev.streamfold.export;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.streamfold.pipeline.Signal;
import io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceResponse;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceResponse;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;

/** Maps a successful OTLP export response body to an outcome (partial_success). Stateless. */
final class OtlpResponses {
  static final int MAX_MESSAGE = 256;

  private OtlpResponses() {}

  /** Success with the rejected count of {@code partial_success}; an empty or unparsable body is plain success. */
  static ExportOutcome success(Signal signal, byte[] body) {
    if (body == null || body.length == 0) {
      return ExportOutcome.success();
    }
    try {
      return switch (signal) {
        case TRACES -> {
          var p = ExportTraceServiceResponse.parseFrom(body).getPartialSuccess();
          yield ExportOutcome.success(p.getRejectedSpans(), clip(p.getErrorMessage()));
        }
        case LOGS -> {
          var p = ExportLogsServiceResponse.parseFrom(body).getPartialSuccess();
          yield ExportOutcome.success(p.getRejectedLogRecords(), clip(p.getErrorMessage()));
        }
        case METRICS -> {
          var p = ExportMetricsServiceResponse.parseFrom(body).getPartialSuccess();
          yield ExportOutcome.success(p.getRejectedDataPoints(), clip(p.getErrorMessage()));
        }
      };
    } catch (InvalidProtocolBufferException e) {
      return ExportOutcome.success();
    }
  }

  /** Shortens a server-provided message for logs. */
  static String clip(String s) {
    if (s == null) {
      return "";
    }
    String t = s.replaceAll("[\\r\\n\\t]+", " ").strip();
    return t.length() <= MAX_MESSAGE ? t : t.substring(0, MAX_MESSAGE) + "...";
  }
}
