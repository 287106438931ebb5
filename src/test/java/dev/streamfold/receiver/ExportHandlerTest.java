package dev.streamfold.receiver;

import dev.streamfold.telemetry.InMemoryMetrics;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import dev.streamfold.pipeline.IngestResult;
import dev.streamfold.pipeline.Signal;
import dev.streamfold.pipeline.Unit;
import dev.streamfold.telemetry.Reasons;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceResponse;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class ExportHandlerTest {
  private final RecordingIngress ingress = new RecordingIngress();
  private final InMemoryMetrics metrics = new InMemoryMetrics();
  private final ExportHandler handler =
      new ExportHandler(ingress, metrics, new OtlpValidator(SdkFixtures.CLOCK));

  private static ExportTraceServiceRequest withOneBadSpan() {
    ExportTraceServiceRequest r = OtlpGrpcReceiverTest.validRequest(3);
    return r.toBuilder()
        .setResourceSpans(0, r.getResourceSpans(0).toBuilder()
            .setScopeSpans(0, r.getResourceSpans(0).getScopeSpans(0).toBuilder()
                .setSpans(0, r.getResourceSpans(0).getScopeSpans(0).getSpans(0).toBuilder()
                    .setSpanId(ByteString.copyFrom(new byte[8])))))
        .build();
  }

  @Test
  void validatorAndIngressRejectionsAreMergedInPartialSuccess() {
    ingress.answer.set(new IngestResult(IngestResult.Status.OK, 2, "2 spans over budget", Duration.ZERO));
    ExportHandler.Reply reply = handler.traces(withOneBadSpan());
    assertThat(reply.outcome()).isEqualTo(ExportHandler.Outcome.OK);
    ExportTraceServiceResponse resp = (ExportTraceServiceResponse) reply.response();
    assertThat(resp.getPartialSuccess().getRejectedSpans()).isEqualTo(3);
    assertThat(resp.getPartialSuccess().getErrorMessage())
        .isEqualTo("1 span rejected: span_id is all zero (1); 2 spans over budget");
    assertThat(metrics.refusedCount(Signal.TRACES, Reasons.INVALID_ITEM)).isEqualTo(1);
    assertThat(metrics.receivedCount(Signal.TRACES, Unit.SPAN)).isEqualTo(2);
  }

  @Test
  void aRefusedRequestCountsEveryItemOnceAsRefused() {
    ingress.answer.set(IngestResult.refused(Duration.ZERO, ""));
    ExportHandler.Reply reply = handler.traces(withOneBadSpan());
    assertThat(reply.outcome()).isEqualTo(ExportHandler.Outcome.RETRY);
    // no hint from the ingress: a default one, never zero
    assertThat(reply.retryAfter()).isEqualTo(ExportHandler.DEFAULT_RETRY_AFTER);
    assertThat(reply.message()).isNotEmpty();
    assertThat(metrics.refusedCount(Signal.TRACES, Reasons.BACKPRESSURE)).isEqualTo(3);
    assertThat(metrics.refusedCount(Signal.TRACES, Reasons.INVALID_ITEM)).isZero();
    assertThat(metrics.receivedCount(Signal.TRACES, Unit.SPAN)).isZero();
  }

  @Test
  void aRefusalWithItsOwnReasonIsCountedUnderIt() {
    ingress.answer.set(IngestResult.refused(Duration.ofSeconds(1), "memory limit reached", Reasons.MEMORY_LIMIT));
    ExportHandler.Reply reply = handler.traces(OtlpGrpcReceiverTest.validRequest(4));
    assertThat(reply.outcome()).isEqualTo(ExportHandler.Outcome.RETRY);
    assertThat(metrics.refusedCount(Signal.TRACES, Reasons.MEMORY_LIMIT)).isEqualTo(4);
    assertThat(metrics.refusedCount(Signal.TRACES, Reasons.BACKPRESSURE)).isZero();
  }

  @Test
  void aRequestWithNothingValidNeverReachesTheIngress() {
    ExportTraceServiceRequest r = OtlpGrpcReceiverTest.validRequest(1);
    r = r.toBuilder().setResourceSpans(0, r.getResourceSpans(0).toBuilder()
        .setScopeSpans(0, r.getResourceSpans(0).getScopeSpans(0).toBuilder()
            .setSpans(0, r.getResourceSpans(0).getScopeSpans(0).getSpans(0).toBuilder().setStartTimeUnixNano(0))))
        .build();
    ExportHandler.Reply reply = handler.traces(r);
    assertThat(reply.outcome()).isEqualTo(ExportHandler.Outcome.OK);
    assertThat(((ExportTraceServiceResponse) reply.response()).getPartialSuccess().getRejectedSpans()).isEqualTo(1);
    assertThat(ingress.traces).isEmpty();
  }

  @Test
  void metricsRejectionsByTheIngressAreReported() {
    ingress.answer.set(new IngestResult(IngestResult.Status.OK, 1, "dropped one", Duration.ZERO));
    ExportHandler.Reply reply = handler.metrics(OtlpGrpcReceiverTest.metricsRequest());
    ExportMetricsServiceResponse resp = (ExportMetricsServiceResponse) reply.response();
    assertThat(resp.getPartialSuccess().getRejectedDataPoints()).isEqualTo(1);
    assertThat(resp.getPartialSuccess().getErrorMessage()).isEqualTo("dropped one");
    assertThat(metrics.receivedCount(Signal.METRICS, Unit.METRIC_POINT)).isEqualTo(3);
  }
}
