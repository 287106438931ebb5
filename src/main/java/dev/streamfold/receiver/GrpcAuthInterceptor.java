package dev.streamfold.receiver;

import dev.streamfold.pipeline.Signal;
import dev.streamfold.telemetry.ReceiverMetrics;
import dev.streamfold.telemetry.Reasons;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;

/**
 * Rejects gRPC export calls without the right bearer token before anything is decoded:
 * UNAUTHENTICATED, counted {@code unauthenticated} for the call's signal. Thread-safe.
 */
final class GrpcAuthInterceptor implements ServerInterceptor {
  static final Metadata.Key<String> AUTHORIZATION =
      Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);

  private final BearerAuth auth;
  private final ReceiverMetrics metrics;

  GrpcAuthInterceptor(BearerAuth auth, ReceiverMetrics metrics) {
    this.auth = auth;
    this.metrics = metrics;
  }

  @Override
  public <Q, A> ServerCall.Listener<Q> interceptCall(
      ServerCall<Q, A> call, Metadata headers, ServerCallHandler<Q, A> next) {
    if (auth.allows(headers.get(AUTHORIZATION))) {
      return next.startCall(call, headers);
    }
    Signal signal = GrpcExportService.signalOf(call.getMethodDescriptor().getFullMethodName());
    if (signal != null) {
      metrics.refused(signal, Reasons.UNAUTHENTICATED, 1);
    }
    call.close(Status.UNAUTHENTICATED.withDescription("missing or invalid bearer token"), new Metadata());
    return new ServerCall.Listener<>() {};
  }
}
