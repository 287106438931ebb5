package dev.streamfold.export;

import com.google.protobuf.Any;
import com.google.rpc.RetryInfo;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerCredentials;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.StatusProto;
import io.grpc.stub.StreamObserver;
import io.opentelemetry.proto.collector.logs.v1.ExportLogsPartialSuccess;
import io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest;
import io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceResponse;
import io.opentelemetry.proto.collector.logs.v1.LogsServiceGrpc;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsPartialSuccess;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceResponse;
import io.opentelemetry.proto.collector.metrics.v1.MetricsServiceGrpc;
import io.opentelemetry.proto.collector.trace.v1.ExportTracePartialSuccess;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;
import io.opentelemetry.proto.collector.trace.v1.TraceServiceGrpc;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * A real OTLP/gRPC server on 127.0.0.1 (ephemeral port) recording what it receives. Answers are
 * scripted: queued {@link Answer}s are used first, then the default (OK). With {@link #hold} on,
 * answers are kept pending until {@link #release}.
 */
final class GrpcTestServer implements AutoCloseable {
  /** A scripted answer: OK with {@code rejected} items, or an error status with an optional RetryInfo delay. */
  record Answer(Status.Code code, Duration retryDelay, long rejected) {
    static Answer ok() {
      return new Answer(Status.Code.OK, null, 0);
    }

    static Answer error(Status.Code code) {
      return new Answer(code, null, 0);
    }

    static Answer error(Status.Code code, Duration retryDelay) {
      return new Answer(code, retryDelay, 0);
    }

    static Answer partial(long rejected) {
      return new Answer(Status.Code.OK, null, rejected);
    }
  }

  final List<ExportTraceServiceRequest> traces = new CopyOnWriteArrayList<>();
  final List<ExportLogsServiceRequest> logs = new CopyOnWriteArrayList<>();
  final List<ExportMetricsServiceRequest> metrics = new CopyOnWriteArrayList<>();
  final List<Metadata> headers = new CopyOnWriteArrayList<>();
  final ConcurrentLinkedDeque<Answer> script = new ConcurrentLinkedDeque<>();
  volatile Answer defaultAnswer = Answer.ok();
  /** When false, trace requests are only counted in {@link #traceSpans}, not kept (benchmarks). */
  volatile boolean keepTraces = true;
  final java.util.concurrent.atomic.AtomicLong traceSpans = new java.util.concurrent.atomic.AtomicLong();
  private volatile boolean hold;
  private final List<Runnable> held = new ArrayList<>();
  private final Server server;

  GrpcTestServer() throws IOException {
    this(0, null);
  }

  GrpcTestServer(int port) throws IOException {
    this(port, null);
  }

  /** With TLS when {@code creds} is given. */
  GrpcTestServer(int port, ServerCredentials creds) throws IOException {
    ServerInterceptor recordHeaders =
        new ServerInterceptor() {
          @Override
          public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata md, ServerCallHandler<Q, R> next) {
            headers.add(md);
            return next.startCall(call, md);
          }
        };
    InetSocketAddress addr = new InetSocketAddress("127.0.0.1", port);
    NettyServerBuilder b = creds == null ? NettyServerBuilder.forAddress(addr) : NettyServerBuilder.forAddress(addr, creds);
    server =
        b.addService(ServerInterceptors.intercept(new Traces(), recordHeaders))
            .addService(ServerInterceptors.intercept(new Logs(), recordHeaders))
            .addService(ServerInterceptors.intercept(new Metrics(), recordHeaders))
            .build()
            .start();
  }

  int port() {
    return server.getPort();
  }

  String endpoint() {
    return "127.0.0.1:" + port();
  }

  void hold() {
    hold = true;
  }

  /** Sends every held answer and stops holding. */
  void release() {
    List<Runnable> todo;
    synchronized (held) {
      hold = false;
      todo = new ArrayList<>(held);
      held.clear();
    }
    todo.forEach(Runnable::run);
  }

  int heldCount() {
    synchronized (held) {
      return held.size();
    }
  }

  List<ResourceSpans> allResourceSpans() {
    List<ResourceSpans> out = new ArrayList<>();
    traces.forEach(r -> out.addAll(r.getResourceSpansList()));
    return out;
  }

  private Answer next() {
    Answer a = script.pollFirst();
    return a != null ? a : defaultAnswer;
  }

  private <T> void respond(StreamObserver<T> obs, Answer a, T okResponse) {
    Runnable r =
        () -> {
          if (a.code() == Status.Code.OK) {
            obs.onNext(okResponse);
            obs.onCompleted();
            return;
          }
          com.google.rpc.Status.Builder st = com.google.rpc.Status.newBuilder().setCode(a.code().value()).setMessage("scripted " + a.code());
          if (a.retryDelay() != null) {
            st.addDetails(
                Any.pack(
                    RetryInfo.newBuilder()
                        .setRetryDelay(com.google.protobuf.Duration.newBuilder().setSeconds(a.retryDelay().getSeconds()).setNanos(a.retryDelay().getNano()))
                        .build()));
          }
          obs.onError(StatusProto.toStatusRuntimeException(st.build()));
        };
    synchronized (held) {
      if (hold) {
        held.add(r);
        return;
      }
    }
    r.run();
  }

  private final class Traces extends TraceServiceGrpc.TraceServiceImplBase {
    @Override
    public void export(ExportTraceServiceRequest req, StreamObserver<ExportTraceServiceResponse> obs) {
      if (keepTraces) {
        traces.add(req);
      }
      traceSpans.addAndGet(SignalOps.TRACES.count(req.getResourceSpansList()));
      Answer a = next();
      respond(obs, a, ExportTraceServiceResponse.newBuilder().setPartialSuccess(partialTraces(a)).build());
    }
  }

  private static ExportTracePartialSuccess partialTraces(Answer a) {
    return a.rejected() == 0 ? ExportTracePartialSuccess.getDefaultInstance() : ExportTracePartialSuccess.newBuilder().setRejectedSpans(a.rejected()).setErrorMessage("some rejected").build();
  }

  private final class Logs extends LogsServiceGrpc.LogsServiceImplBase {
    @Override
    public void export(ExportLogsServiceRequest req, StreamObserver<ExportLogsServiceResponse> obs) {
      logs.add(req);
      Answer a = next();
      respond(
          obs,
          a,
          ExportLogsServiceResponse.newBuilder()
              .setPartialSuccess(a.rejected() == 0 ? ExportLogsPartialSuccess.getDefaultInstance() : ExportLogsPartialSuccess.newBuilder().setRejectedLogRecords(a.rejected()).build())
              .build());
    }
  }

  private final class Metrics extends MetricsServiceGrpc.MetricsServiceImplBase {
    @Override
    public void export(ExportMetricsServiceRequest req, StreamObserver<ExportMetricsServiceResponse> obs) {
      metrics.add(req);
      Answer a = next();
      respond(
          obs,
          a,
          ExportMetricsServiceResponse.newBuilder()
              .setPartialSuccess(a.rejected() == 0 ? ExportMetricsPartialSuccess.getDefaultInstance() : ExportMetricsPartialSuccess.newBuilder().setRejectedDataPoints(a.rejected()).build())
              .build());
    }
  }

  @Override
  public void close() throws InterruptedException {
    release();
    server.shutdownNow();
    server.awaitTermination(10, TimeUnit.SECONDS);
  }
}
