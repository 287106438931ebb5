package dev.streamfold.testing;

import com.google.protobuf.Any;
import com.google.rpc.RetryInfo;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.StatusProto;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.opentelemetry.proto.collector.logs.v1.ExportLogsPartialSuccess;
import io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest;
import io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceResponse;
import io.opentelemetry.proto.collector.logs.v1.LogsServiceGrpc;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceResponse;
import io.opentelemetry.proto.collector.metrics.v1.MetricsServiceGrpc;
import io.opentelemetry.proto.collector.trace.v1.ExportTracePartialSuccess;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;
import io.opentelemetry.proto.collector.trace.v1.TraceServiceGrpc;
import io.opentelemetry.proto.logs.v1.LogRecord;
import io.opentelemetry.proto.logs.v1.ResourceLogs;
import io.opentelemetry.proto.logs.v1.ScopeLogs;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A real OTLP/gRPC server on 127.0.0.1 that records every request it accepts.
 *
 * <p>Fault injection for reliability tests: answers can be scripted ({@link #failNext}) or set for
 * every call ({@link #failWith}, {@link #succeed}); answers can be held back until
 * {@link #release()} (a slow downstream); the server can be {@link #stop() stopped} and
 * {@link #restart() restarted} on the same port (a downstream outage). {@link #traces},
 * {@link #logs} and {@link #metrics} hold only requests answered OK to a caller still waiting;
 * {@link #seenTraces} holds every trace export attempt that reached the server, whatever the
 * answer. Recordings survive a restart. Thread-safe.
 */
@SuppressWarnings("try")
public final class FakeCollector implements AutoCloseable {
  /** An answer: OK (with {@code rejected} items in partial_success), or an error status with an optional RetryInfo delay. */
  public record Answer(Status.Code code, Duration retryDelay, long rejected) {
    public static Answer ok() {
      return new Answer(Status.Code.OK, null, 0);
    }

    public static Answer partial(long rejected) {
      return new Answer(Status.Code.OK, null, rejected);
    }

    public static Answer error(Status.Code code) {
      return new Answer(code, null, 0);
    }

    public static Answer error(Status.Code code, Duration retryDelay) {
      return new Answer(code, retryDelay, 0);
    }
  }

  public final List<ExportTraceServiceRequest> traces = new CopyOnWriteArrayList<>();
  public final List<ExportLogsServiceRequest> logs = new CopyOnWriteArrayList<>();
  public final List<ExportMetricsServiceRequest> metrics = new CopyOnWriteArrayList<>();
  /** Every trace export call that reached the server (accepted, failed, held or cancelled). */
  public final List<ExportTraceServiceRequest> seenTraces = new CopyOnWriteArrayList<>();

  private final AtomicLong attempts = new AtomicLong();
  private final AtomicLong failed = new AtomicLong();
  private final ConcurrentLinkedDeque<Answer> script = new ConcurrentLinkedDeque<>();
  private volatile Answer defaultAnswer = Answer.ok();
  private final List<Runnable> held = new ArrayList<>();
  private final List<ServerCallStreamObserver<?>> heldCalls = new ArrayList<>(); // guarded by held
  private boolean hold; // guarded by held
  private final int port;
  private volatile Server server;

  public FakeCollector() throws IOException {
    this(0);
  }

  /** Listens on {@code port} (0 = ephemeral). */
  public FakeCollector(int port) throws IOException {
    this.server = build(port);
    this.port = server.getPort();
  }

  private Server build(int p) throws IOException {
    return NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", p))
        .addService(new TraceServiceGrpc.TraceServiceImplBase() {
          @Override
          public void export(ExportTraceServiceRequest r, StreamObserver<ExportTraceServiceResponse> o) {
            seenTraces.add(r);
            answer(o, traces, r, a -> ExportTraceServiceResponse.newBuilder()
                .setPartialSuccess(a.rejected() == 0 ? ExportTracePartialSuccess.getDefaultInstance()
                    : ExportTracePartialSuccess.newBuilder().setRejectedSpans(a.rejected()).setErrorMessage("rejected by fake collector").build())
                .build());
          }
        })
        .addService(new LogsServiceGrpc.LogsServiceImplBase() {
          @Override
          public void export(ExportLogsServiceRequest r, StreamObserver<ExportLogsServiceResponse> o) {
            answer(o, logs, r, a -> ExportLogsServiceResponse.newBuilder()
                .setPartialSuccess(a.rejected() == 0 ? ExportLogsPartialSuccess.getDefaultInstance()
                    : ExportLogsPartialSuccess.newBuilder().setRejectedLogRecords(a.rejected()).setErrorMessage("rejected by fake collector").build())
                .build());
          }
        })
        .addService(new MetricsServiceGrpc.MetricsServiceImplBase() {
          @Override
          public void export(ExportMetricsServiceRequest r, StreamObserver<ExportMetricsServiceResponse> o) {
            answer(o, metrics, r, a -> ExportMetricsServiceResponse.getDefaultInstance());
          }
        })
        .build()
        .start();
  }

  private <Q, R> void answer(StreamObserver<R> o, List<Q> accepted, Q request, java.util.function.Function<Answer, R> response) {
    attempts.incrementAndGet();
    Answer first = script.pollFirst();
    Answer a = first != null ? first : defaultAnswer;
    ServerCallStreamObserver<R> call = (ServerCallStreamObserver<R>) o;
    call.setOnCancelHandler(() -> {});
    Runnable r = () -> {
      if (a.code() == Status.Code.OK) {
        if (call.isCancelled()) {
          return; // the caller gave up: it does not count this as delivered
        }
        accepted.add(request);
        call.onNext(response.apply(a));
        call.onCompleted();
        return;
      }
      failed.incrementAndGet();
      com.google.rpc.Status.Builder st = com.google.rpc.Status.newBuilder().setCode(a.code().value()).setMessage("fake collector answers " + a.code());
      if (a.retryDelay() != null) {
        st.addDetails(Any.pack(RetryInfo.newBuilder()
            .setRetryDelay(com.google.protobuf.Duration.newBuilder().setSeconds(a.retryDelay().getSeconds()).setNanos(a.retryDelay().getNano()))
            .build()));
      }
      if (!call.isCancelled()) {
        call.onError(StatusProto.toStatusRuntimeException(st.build()));
      }
    };
    synchronized (held) {
      if (hold) {
        held.add(r);
        heldCalls.add(call);
        return;
      }
    }
    r.run();
  }

  public int port() {
    return port;
  }

  public String endpoint() {
    return "127.0.0.1:" + port();
  }

  // ---- fault injection

  /** Every following call is answered with {@code code} (and a RetryInfo when {@code retryDelay} is not null). */
  public void failWith(Status.Code code, Duration retryDelay) {
    defaultAnswer = new Answer(code, retryDelay, 0);
  }

  /** Every following call is answered with {@code a}. */
  public void answerWith(Answer a) {
    defaultAnswer = a;
  }

  /** Every following call is answered OK. */
  public void succeed() {
    defaultAnswer = Answer.ok();
  }

  /** The next {@code n} calls are answered with {@code code} (before the default answer applies again). */
  public void failNext(int n, Status.Code code, Duration retryDelay) {
    for (int i = 0; i < n; i++) {
      script.addLast(new Answer(code, retryDelay, 0));
    }
  }

  /** Holds every answer back until {@link #release()}: the caller waits (a slow downstream). */
  public void hold() {
    synchronized (held) {
      hold = true;
    }
  }

  /** Sends every held answer and stops holding. */
  public void release() {
    List<Runnable> todo;
    synchronized (held) {
      hold = false;
      todo = new ArrayList<>(held);
      held.clear();
      heldCalls.clear();
    }
    todo.forEach(Runnable::run);
  }

  /**
   * Whether every held call has been cancelled by its caller, as seen by this server (a client's
   * cancellation reaches the server asynchronously).
   */
  public boolean allHeldCancelled() {
    synchronized (held) {
      return heldCalls.stream().allMatch(ServerCallStreamObserver::isCancelled);
    }
  }

  public int heldCount() {
    synchronized (held) {
      return held.size();
    }
  }

  /** Export calls that reached the server, any signal, any answer. */
  public long attempts() {
    return attempts.get();
  }

  /** Export calls answered with an error status. */
  public long failedAnswers() {
    return failed.get();
  }

  /** Stops listening at once (open calls are cancelled); recordings are kept. */
  public void stop() throws InterruptedException {
    server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
  }

  /** Listens again on the same port after {@link #stop()}. */
  public void restart() throws IOException {
    server = build(port);
  }

  // ---- what was accepted

  public List<Span> spans() {
    return spansOf(traces);
  }

  /** Spans of every trace export attempt that reached the server. */
  public List<Span> seenSpans() {
    return spansOf(seenTraces);
  }

  private static List<Span> spansOf(List<ExportTraceServiceRequest> requests) {
    List<Span> out = new ArrayList<>();
    for (ExportTraceServiceRequest r : requests) {
      for (ResourceSpans rs : r.getResourceSpansList()) {
        for (ScopeSpans ss : rs.getScopeSpansList()) {
          out.addAll(ss.getSpansList());
        }
      }
    }
    return out;
  }

  public List<LogRecord> logRecords() {
    List<LogRecord> out = new ArrayList<>();
    for (ExportLogsServiceRequest r : logs) {
      for (ResourceLogs rl : r.getResourceLogsList()) {
        for (ScopeLogs sl : rl.getScopeLogsList()) {
          out.addAll(sl.getLogRecordsList());
        }
      }
    }
    return out;
  }

  @Override
  public void close() throws Exception {
    release();
    server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
  }
}
