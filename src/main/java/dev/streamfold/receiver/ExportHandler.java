package dev.streamfold.receiver;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import dev.streamfold.otlp.OtlpSignal;
import dev.streamfold.pipeline.IngestResult;
import dev.streamfold.pipeline.Ingress;
import dev.streamfold.pipeline.Signal;
import dev.streamfold.pipeline.Unit;
import dev.streamfold.telemetry.ReceiverMetrics;
import dev.streamfold.telemetry.Reasons;
import io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The transport-neutral part of an export call, shared by the gRPC and HTTP receivers: decode,
 * validate, hand to the {@link Ingress}, count, and build the reply; one routine for every signal
 * over its {@link OtlpSignal} description. Thread-safe.
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
  private final ReceiverMetrics metrics;
  private final OtlpValidator validator;
  private final AtomicLong ingressFailures = new AtomicLong();

  ExportHandler(Ingress ingress, ReceiverMetrics metrics, OtlpValidator validator) {
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
    INTERNAL,
    /** Larger than the pipeline could ever accept: not retryable, the message names the limit. */
    TOO_LARGE
  }

  /**
   * @param response the Export*ServiceResponse for OK, else null
   * @param message error message for RETRY / INTERNAL
   * @param retryAfter retry hint for RETRY, never null
   */
  record Reply(Outcome outcome, Message response, String message, Duration retryAfter) {
    static Reply retry(IngestResult r, String fallback) {
      if (r.status() == IngestResult.Status.TOO_LARGE) {
        return new Reply(Outcome.TOO_LARGE, null, r.message(), Duration.ZERO);
      }
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
    return handle(OtlpSignal.TRACES, request);
  }

  Reply logs(ExportLogsServiceRequest request) {
    return handle(OtlpSignal.LOGS, request);
  }

  Reply metrics(ExportMetricsServiceRequest request) {
    return handle(OtlpSignal.METRICS, request);
  }

  /**
   * Decodes a request body (protobuf, or OTLP JSON when {@code json}) and handles it: the
   * transport-neutral entry for receivers.
   *
   * @throws InvalidProtocolBufferException when the body cannot be decoded (a client error);
   *     once decoded nothing is thrown for bad input
   */
  Reply decodeAndHandle(Signal signal, byte[] body, int offset, int length, boolean json)
      throws InvalidProtocolBufferException {
    return decodeAndHandle(OtlpSignal.of(signal), body, offset, length, json);
  }

  private <Req> Reply decodeAndHandle(OtlpSignal<Req, ?, ?, ?, ?> sig, byte[] body, int offset, int length, boolean json)
      throws InvalidProtocolBufferException {
    Req request = json
        ? sig.parseJson(new String(body, offset, length, StandardCharsets.UTF_8))
        : sig.parse(body, offset, length);
    return handle(sig, request);
  }

  /** Validates, hands to the ingress, counts and answers one decoded request of any signal. */
  <Req> Reply handle(OtlpSignal<Req, ?, ?, ?, ?> sig, Req request) {
    Signal signal = sig.signal();
    OtlpValidator.Result<Req> v = validator.validate(sig, request);
    IngestResult r;
    if (sig.nothingToForward(v.request(), v.items())) {
      r = IngestResult.OK;
    } else {
      try {
        r = sig.offer(ingress, v.request());
      } catch (RuntimeException e) {
        return ingressFailed(signal, v.items() + v.rejected(), e);
      }
    }
    if (!r.accepted()) {
      refuseAll(signal, r, v.items() + v.rejected());
      return Reply.retry(r, signal.label() + " not accepted, retry later");
    }
    if (v.rejected() > 0) {
      metrics.refused(signal, Reasons.INVALID_ITEM, v.rejected());
    }
    if (v.items() > 0) {
      metrics.received(signal, sig.unit(), v.items());
      if (sig.extraUnit() != null && v.spanEvents() > 0) {
        metrics.received(signal, sig.extraUnit(), v.spanEvents());
      }
    }
    Message response = sig.response(v.rejected() + r.rejected(), join(v.message(), r.message()));
    return new Reply(Outcome.OK, response, "", Duration.ZERO);
  }

  private void refuseAll(Signal signal, IngestResult r, long items) {
    String reason =
        r.refusalReason() != null ? r.refusalReason() : switch (r.status()) {
          case UNAVAILABLE -> Reasons.NOT_READY;
          case TOO_LARGE -> Reasons.TOO_LARGE;
          default -> Reasons.BACKPRESSURE;
        };
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
