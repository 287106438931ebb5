package dev.streamfold.receiver;

import com.google.protobuf.Message;
import dev.streamfold.pipeline.IngestResult;
import dev.streamfold.pipeline.Ingress;
import dev.streamfold.pipeline.Signal;
import dev.streamfold.pipeline.Unit;
import dev.streamfold.telemetry.PipelineMetrics;
import dev.streamfold.telemetry.Reasons;
import io.opentelemetry.proto.collector.logs.v1.ExportLogsPartialSuccess;
import io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest;
import io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceResponse;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsPartialSuccess;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceResponse;
import io.opentelemetry.proto.collector.trace.v1.ExportTracePartialSuccess;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The transport-neutral part of an export call, shared by the gRPC and HTTP receivers:
 * validate, hand to the {@link Ingress}, count, and build the reply. Thread-safe.
 *
 * <p>Counting: every item of a decoded request is counted exactly once, as {@code received}
 * (accepted by the ingress: spans and their events, log records or metric data points), as
 * {@code refused invalid_item} (removed by validation, counted when the rest was accepted), or,
 * when the ingress refuses the request, all of its items as {@code refused backpressure /
 * not_ready}. Items the ingress itself reports as rejected in an OK result are the pipeline's to
 * count.
 */
final class ExportHandler {
  private static final Logger log = LoggerFactory.getLogger(ExportHandler.class);
  /** Retry hint used when the ingress gives none. */
  static final Duration DEFAULT_RETRY_AFTER = Duration.ofSeconds(1);
  /** Refusal reason when the ingress throws (a bug, not a client error). */
  static final String INTERNAL_ERROR = "internal_error";

  private final Ingress ingress;
  private final PipelineMetrics metrics;
  private final OtlpValidator validator;
  private final AtomicLong ingressFailures = new AtomicLong();

  ExportHandler(Ingress ingress, PipelineMetrics metrics, OtlpValidator validator) {
    this.ingress = ingress;
    this.metrics = metrics;
    this.validator = validator;
  }

  /** Outcome of one export call. */
  enum Outcome {
    /** Accepted (possibly in part); {@link Reply#response()} is the export response. */
    OK,
    /** Refused for now (backpressure, not ready, draining): retryable. */
    RETRY,
    /** The ingress failed unexpectedly: not retryable. */
    INTERNAL
  }

  /**
   * @param response the Export*ServiceResponse for OK, else null
   * @param message error message for RETRY / INTERNAL
   * @param retryAfter retry hint for RETRY, never null
   */
  record Reply(Outcome outcome, Message response, String message, Duration retryAfter) {
    static Reply retry(IngestResult r, String fallback) {
      Duration after = r.retryAfter();
      if (after == null || after.isNegative() || after.isZero()) {
        after = DEFAULT_RETRY_AFTER;
      }
      String msg = r.message() == null || r.message().isEmpty() ? fallback : r.message();
      return new Reply(Outcome.RETRY, null, msg, after);
    }

    static Reply internal() {
      return new Reply(Outcome.INTERNAL, null, "internal error", DEFAULT_RETRY_AFTER);
    }
  }

  Reply traces(ExportTraceServiceRequest request) {
    OtlpValidator.Result<ExportTraceServiceRequest> v = validator.traces(request);
    IngestResult r;
    if (v.items() == 0) {
      r = IngestResult.OK;
    } else {
      try {
        r = ingress.traces(v.request());
      } catch (RuntimeException e) {
        return ingressFailed(Signal.TRACES, v.items() + v.rejected(), e);
      }
    }
    if (!r.accepted()) {
      refuseAll(Signal.TRACES, r, v.items() + v.rejected());
      return Reply.retry(r, "traces not accepted, retry later");
    }
    countAccepted(Signal.TRACES, v);
    if (v.items() > 0) {
      metrics.received(Signal.TRACES, Unit.SPAN, v.items());
      if (v.spanEvents() > 0) {
        metrics.received(Signal.TRACES, Unit.SPAN_EVENT, v.spanEvents());
      }
    }
    long rejected = v.rejected() + r.rejected();
    ExportTraceServiceResponse response =
        rejected == 0
            ? ExportTraceServiceResponse.getDefaultInstance()
            : ExportTraceServiceResponse.newBuilder()
                .setPartialSuccess(
                    ExportTracePartialSuccess.newBuilder()
                        .setRejectedSpans(rejected)
                        .setErrorMessage(join(v.message(), r.message())))
                .build();
    return new Reply(Outcome.OK, response, "", Duration.ZERO);
  }

  Reply logs(ExportLogsServiceRequest request) {
    OtlpValidator.Result<ExportLogsServiceRequest> v = validator.logs(request);
    IngestResult r;
    if (v.items() == 0) {
      r = IngestResult.OK;
    } else {
      try {
        r = ingress.logs(v.request());
      } catch (RuntimeException e) {
        return ingressFailed(Signal.LOGS, v.items() + v.rejected(), e);
      }
    }
    if (!r.accepted()) {
      refuseAll(Signal.LOGS, r, v.items() + v.rejected());
      return Reply.retry(r, "logs not accepted, retry later");
    }
    countAccepted(Signal.LOGS, v);
    if (v.items() > 0) {
      metrics.received(Signal.LOGS, Unit.LOG_RECORD, v.items());
    }
    long rejected = v.rejected() + r.rejected();
    ExportLogsServiceResponse response =
        rejected == 0
            ? ExportLogsServiceResponse.getDefaultInstance()
            : ExportLogsServiceResponse.newBuilder()
                .setPartialSuccess(
                    ExportLogsPartialSuccess.newBuilder()
                        .setRejectedLogRecords(rejected)
                        .setErrorMessage(join(v.message(), r.message())))
                .build();
    return new Reply(Outcome.OK, response, "", Duration.ZERO);
  }

  Reply metrics(ExportMetricsServiceRequest request) {
    OtlpValidator.Result<ExportMetricsServiceRequest> v = validator.metrics(request);
    IngestResult r;
    if (v.request().getResourceMetricsCount() == 0) {
      r = IngestResult.OK;
    } else {
      try {
        r = ingress.metrics(v.request());
      } catch (RuntimeException e) {
        return ingressFailed(Signal.METRICS, v.items(), e);
      }
    }
    if (!r.accepted()) {
      refuseAll(Signal.METRICS, r, v.items());
      return Reply.retry(r, "metrics not accepted, retry later");
    }
    if (v.items() > 0) {
      metrics.received(Signal.METRICS, Unit.METRIC_POINT, v.items());
    }
    ExportMetricsServiceResponse response =
        r.rejected() == 0
            ? ExportMetricsServiceResponse.getDefaultInstance()
            : ExportMetricsServiceResponse.newBuilder()
                .setPartialSuccess(
                    ExportMetricsPartialSuccess.newBuilder()
                        .setRejectedDataPoints(r.rejected())
                        .setErrorMessage(r.message() == null ? "" : r.message()))
                .build();
    return new Reply(Outcome.OK, response, "", Duration.ZERO);
  }

  private void countAccepted(Signal signal, OtlpValidator.Result<?> v) {
    if (v.rejected() > 0) {
      metrics.refused(signal, Reasons.INVALID_ITEM, v.rejected());
    }
  }

  private void refuseAll(Signal signal, IngestResult r, long items) {
    String reason =
        r.refusalReason() != null ? r.refusalReason()
            : r.status() == IngestResult.Status.UNAVAILABLE ? Reasons.NOT_READY : Reasons.BACKPRESSURE;
    metrics.refused(signal, reason, Math.max(items, 1));
  }

  private Reply ingressFailed(Signal signal, long items, RuntimeException e) {
    // One line per failure would flood the log if the ingress is broken: log the first and
    // every 1000th.
    long n = ingressFailures.incrementAndGet();
    if (n == 1 || n % 1000 == 0) {
      log.error("ingress failed on a {} request ({} failures so far)", signal.label(), n, e);
    }
    metrics.refused(signal, INTERNAL_ERROR, Math.max(items, 1));
    return Reply.internal();
  }

  private static String join(String a, String b) {
    if (b == null || b.isEmpty()) {
      return a;
    }
    if (a.isEmpty()) {
      return b;
    }
    return a + "; " + b;
  }
}
