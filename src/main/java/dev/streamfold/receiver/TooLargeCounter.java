package dev.streamfold.receiver;

import dev.streamfold.pipeline.Signal;
import dev.streamfold.telemetry.ReceiverMetrics;
import dev.streamfold.telemetry.Reasons;
import io.grpc.Metadata;
import io.grpc.ServerStreamTracer;
import io.grpc.Status;

/**
 * gRPC enforces the inbound size limit itself (RESOURCE_EXHAUSTED); the receiver never answers
 * RESOURCE_EXHAUSTED on its own, so every such close of an export call is counted as
 * {@code too_large}. Stateless tracers, one per signal, shared by all streams.
 */
final class TooLargeCounter extends ServerStreamTracer.Factory {
  private static final ServerStreamTracer NOOP = new ServerStreamTracer() {};
  private final ServerStreamTracer traces;
  private final ServerStreamTracer logs;
  private final ServerStreamTracer metricsTracer;

  TooLargeCounter(ReceiverMetrics metrics) {
    this.traces = tracer(metrics, Signal.TRACES);
    this.logs = tracer(metrics, Signal.LOGS);
    this.metricsTracer = tracer(metrics, Signal.METRICS);
  }

  private static ServerStreamTracer tracer(ReceiverMetrics metrics, Signal signal) {
    return new ServerStreamTracer() {
      @Override
      public void streamClosed(Status status) {
        if (status.getCode() == Status.Code.RESOURCE_EXHAUSTED) {
          metrics.refused(signal, Reasons.TOO_LARGE, 1);
        }
      }
    };
  }

  @Override
  public ServerStreamTracer newServerStreamTracer(String fullMethodName, Metadata headers) {
    Signal signal = GrpcExportService.signalOf(fullMethodName);
    if (signal == null) {
      return NOOP;
    }
    switch (signal) {
      case TRACES:
        return traces;
      case LOGS:
        return logs;
      default:
        return metricsTracer;
    }
  }
}
