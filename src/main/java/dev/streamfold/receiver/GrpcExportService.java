package dev.streamfold.receiver;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.rpc.RetryInfo;
import dev.streamfold.otlp.OtlpSignal;
import dev.streamfold.pipeline.Signal;
import dev.streamfold.telemetry.ReceiverMetrics;
import dev.streamfold.telemetry.Reasons;
import io.grpc.MethodDescriptor;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.protobuf.StatusProto;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;
import io.opentelemetry.proto.collector.logs.v1.LogsServiceGrpc;
import io.opentelemetry.proto.collector.metrics.v1.MetricsServiceGrpc;
import io.opentelemetry.proto.collector.trace.v1.TraceServiceGrpc;
import java.time.Duration;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The OTLP export services of the gRPC receiver, one per signal, all the same: the event loop
 * hands the raw message ({@link GrpcPayload}) to the bounded pool or answers at once (UNAVAILABLE
 * with RetryInfo when the pool's queue is full); on the pool the message is decoded, handled by
 * the {@link ExportHandler} and its {@code Reply} mapped to a gRPC status: malformed ->
 * INVALID_ARGUMENT, retry -> UNAVAILABLE with {@code google.rpc.RetryInfo}, too large ->
 * INVALID_ARGUMENT, a bug -> INTERNAL. Thread-safe.
 */
final class GrpcExportService {
  private static final Logger log = LoggerFactory.getLogger(GrpcExportService.class);

  private final ExportHandler handler;
  private final BoundedExecutor executor;
  private final ReceiverMetrics metrics;

  GrpcExportService(ExportHandler handler, BoundedExecutor executor, ReceiverMetrics metrics) {
    this.handler = handler;
    this.executor = executor;
    this.metrics = metrics;
  }

  /** The Trace, Logs and Metrics services. */
  ServerServiceDefinition[] services() {
    return new ServerServiceDefinition[] {
      service(TraceServiceGrpc.getExportMethod(), Signal.TRACES),
      service(LogsServiceGrpc.getExportMethod(), Signal.LOGS),
      service(MetricsServiceGrpc.getExportMethod(), Signal.METRICS)
    };
  }

  private <R extends Message> ServerServiceDefinition service(MethodDescriptor<?, R> generated, Signal signal) {
    MethodDescriptor<GrpcPayload, R> method =
        generated.toBuilder(GrpcPayload.MARSHALLER, generated.getResponseMarshaller()).build();
    return ServerServiceDefinition.builder(generated.getServiceName())
        .addMethod(method, ServerCalls.asyncUnaryCall((GrpcPayload body, StreamObserver<R> out) -> dispatch(signal, body, out)))
        .build();
  }

  /** Runs on the event loop: hand the raw message to the pool or answer at once. */
  private <R extends Message> void dispatch(Signal signal, GrpcPayload body, StreamObserver<R> out) {
    ServerCallStreamObserver<R> call = (ServerCallStreamObserver<R>) out;
    // a no-op handler makes onNext/onError after a client cancel harmless instead of throwing
    call.setOnCancelHandler(() -> {});
    if (body.error() != null) {
      // RESOURCE_EXHAUSTED (inflated past the limit) is counted as too_large by TooLargeCounter
      if (body.error().getCode() != Status.Code.RESOURCE_EXHAUSTED) {
        metrics.refused(signal, Reasons.MALFORMED, 1);
      }
      call.onError(body.error().asRuntimeException());
      return;
    }
    try {
      executor.execute(() -> process(signal, body.bytes(), call));
    } catch (RejectedExecutionException e) {
      metrics.refused(signal, Reasons.BACKPRESSURE, 1);
      call.onError(retryLater("receiver busy, retry later", ExportHandler.DEFAULT_RETRY_AFTER));
    }
  }

  @SuppressWarnings("unchecked")
  private <R extends Message> void process(Signal signal, byte[] body, ServerCallStreamObserver<R> call) {
    if (call.isCancelled()) {
      // the client gave up (deadline or cancel) while the call was queued: it will retry
      metrics.refused(signal, Reasons.BACKPRESSURE, 1);
      return;
    }
    ExportHandler.Reply reply;
    try {
      reply = decodeAndHandle(OtlpSignal.of(signal), body);
    } catch (InvalidProtocolBufferException | RuntimeException | StackOverflowError e) {
      metrics.refused(signal, Reasons.MALFORMED, 1);
      call.onError(Status.INVALID_ARGUMENT
          .withDescription("cannot decode " + signal.label() + " request: " + e.getClass().getSimpleName())
          .asRuntimeException());
      return;
    }
    switch (reply.outcome()) {
      case OK:
        call.onNext((R) reply.response());
        call.onCompleted();
        break;
      case RETRY:
        call.onError(retryLater(reply.message(), reply.retryAfter()));
        break;
      case TOO_LARGE:
        // not RESOURCE_EXHAUSTED: SDKs (opentelemetry-java) retry that code even without RetryInfo
        call.onError(Status.INVALID_ARGUMENT.withDescription(reply.message()).asRuntimeException());
        break;
      default:
        call.onError(Status.INTERNAL.withDescription(reply.message()).asRuntimeException());
    }
  }

  /** Decoding failures propagate; once decoded, the handler never throws for bad input. */
  private <Req> ExportHandler.Reply decodeAndHandle(OtlpSignal<Req, ?, ?, ?, ?> sig, byte[] body)
      throws InvalidProtocolBufferException {
    Req request = RequestDecoder.decode(sig, body, 0, body.length, false);
    return handleOrFail(() -> handler.handle(sig, request));
  }

  /** A bug past decoding must not be reported as the client's malformed request. */
  private static ExportHandler.Reply handleOrFail(Supplier<ExportHandler.Reply> work) {
    try {
      return work.get();
    } catch (RuntimeException | StackOverflowError e) {
      log.error("unexpected failure handling an export call", e);
      return ExportHandler.Reply.internal();
    }
  }

  static io.grpc.StatusRuntimeException retryLater(String message, Duration retryAfter) {
    com.google.rpc.Status status =
        com.google.rpc.Status.newBuilder()
            .setCode(Status.Code.UNAVAILABLE.value())
            .setMessage(message)
            .addDetails(Any.pack(RetryInfo.newBuilder()
                .setRetryDelay(com.google.protobuf.Duration.newBuilder()
                    .setSeconds(retryAfter.getSeconds())
                    .setNanos(retryAfter.getNano()))
                .build()))
            .build();
    return StatusProto.toStatusRuntimeException(status);
  }

  /** The signal of an export method's full name, or null for any other method (health). */
  static Signal signalOf(String fullMethodName) {
    if (fullMethodName.startsWith(TraceServiceGrpc.SERVICE_NAME + "/")) {
      return Signal.TRACES;
    }
    if (fullMethodName.startsWith(LogsServiceGrpc.SERVICE_NAME + "/")) {
      return Signal.LOGS;
    }
    if (fullMethodName.startsWith(MetricsServiceGrpc.SERVICE_NAME + "/")) {
      return Signal.METRICS;
    }
    return null;
  }
}
