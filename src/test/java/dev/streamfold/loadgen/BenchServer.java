package dev.streamfold.loadgen;

import com.google.common.util.concurrent.FutureCallback;
import com.google.common.util.concurrent.Futures;
import com.google.common.util.concurrent.MoreExecutors;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest;
import io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceResponse;
import io.opentelemetry.proto.collector.logs.v1.LogsServiceGrpc;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceResponse;
import io.opentelemetry.proto.collector.metrics.v1.MetricsServiceGrpc;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;
import io.opentelemetry.proto.collector.trace.v1.TraceServiceGrpc;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.logs.v1.ResourceLogs;
import io.opentelemetry.proto.logs.v1.ScopeLogs;
import io.opentelemetry.proto.metrics.v1.ResourceMetrics;
import io.opentelemetry.proto.metrics.v1.ScopeMetrics;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.Locale;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

/**
 * OTLP/gRPC servers for benchmarks (TraceService, LogsService, MetricsService), all parsing
 * every request fully (gRPC's protobuf marshaller) and counting what they got:
 * <ul>
 *   <li>{@link Mode#DISCARD}: answers OK, counts spans, span events, log records, metrics;
 *   <li>{@link Mode#SINK}: the same plus, per span, condensed-span analysis: spans carrying
 *       {@code llm_stream.input_shape}, {@code llm_stream.incomplete} spans, chunk spans that
 *       were passed through, and the delay from {@code loadgen.sent_unix_nano} to arrival of
 *       spans that carry {@code llm_stream.ttft_ms};
 *   <li>{@link Mode#FORWARD}: forwards each request unchanged to a downstream over one gRPC
 *       channel and answers with the downstream's answer; at most {@code forwardInFlight}
 *       requests in flight, beyond that it answers UNAVAILABLE (counted as refused).
 * </ul>
 * Handlers run on the transport threads (direct executor); counters are thread-safe.
 */
final class BenchServer implements AutoCloseable {
  enum Mode { DISCARD, SINK, FORWARD }

  private final Mode mode;
  private final Server server;
  private final ManagedChannel downstream;
  private final Semaphore forwardPermits;
  private final long startNanos = System.nanoTime();

  final LongAdder traceRequests = new LongAdder();
  final LongAdder logRequests = new LongAdder();
  final LongAdder metricRequests = new LongAdder();
  final LongAdder spans = new LongAdder();
  final LongAdder events = new LongAdder();
  final LongAdder logs = new LongAdder();
  final LongAdder metrics = new LongAdder();
  final LongAdder condensedSpans = new LongAdder();
  final LongAdder incompleteSpans = new LongAdder();
  final LongAdder chunkSpans = new LongAdder();
  final LongAdder refused = new LongAdder();
  final LongAdder forwardFailed = new LongAdder();
  /** Microseconds from the loadgen's send of a stream span to arrival of its condensed span. */
  final DelayHistogram delayMicros = new DelayHistogram();

  /**
   * @param downstream {@code host:port} for {@link Mode#FORWARD}, else ignored
   */
  BenchServer(Mode mode, String host, int port, String downstream, int forwardInFlight) {
    this.mode = mode;
    if (mode == Mode.FORWARD) {
      this.downstream = NettyChannelBuilder.forTarget(downstream).usePlaintext()
          .flowControlWindow(4 << 20).maxInboundMessageSize(64 << 20).build();
      this.forwardPermits = new Semaphore(forwardInFlight);
    } else {
      this.downstream = null;
      this.forwardPermits = null;
    }
    this.server = NettyServerBuilder.forAddress(new InetSocketAddress(host, port))
        .directExecutor()
        .flowControlWindow(4 << 20)
        .maxInboundMessageSize(64 << 20)
        .addService(new Traces())
        .addService(new Logs())
        .addService(new Metrics())
        .build();
  }

  BenchServer start() throws IOException {
    server.start();
    return this;
  }

  int port() {
    return server.getPort();
  }

  Mode mode() {
    return mode;
  }

  void reset() {
    for (LongAdder a : new LongAdder[] {traceRequests, logRequests, metricRequests, spans, events, logs, metrics,
        condensedSpans, incompleteSpans, chunkSpans, refused, forwardFailed}) {
      a.reset();
    }
    delayMicros.reset();
  }

  String statsJson() {
    return String.format(Locale.ROOT,
        "{\"mode\":\"%s\",\"trace_requests\":%d,\"log_requests\":%d,\"metric_requests\":%d,\"spans\":%d,\"events\":%d,"
            + "\"logs\":%d,\"metrics\":%d,\"condensed_spans\":%d,\"incomplete_spans\":%d,\"chunk_spans\":%d,"
            + "\"refused\":%d,\"forward_failed\":%d,\"delay_samples\":%d,\"delay_p50_ms\":%.1f,\"delay_p99_ms\":%.1f,"
            + "\"delay_max_ms\":%.1f,\"uptime_s\":%.1f}",
        mode.name().toLowerCase(Locale.ROOT), traceRequests.sum(), logRequests.sum(), metricRequests.sum(), spans.sum(),
        events.sum(), logs.sum(), metrics.sum(), condensedSpans.sum(), incompleteSpans.sum(), chunkSpans.sum(),
        refused.sum(), forwardFailed.sum(), delayMicros.count(), delayMicros.quantile(0.5) / 1000.0,
        delayMicros.quantile(0.99) / 1000.0, delayMicros.max() / 1000.0, (System.nanoTime() - startNanos) / 1e9);
  }

  @Override
  public void close() {
    server.shutdown();
    if (downstream != null) {
      downstream.shutdown();
    }
    try {
      if (!server.awaitTermination(5, TimeUnit.SECONDS)) {
        server.shutdownNow();
      }
      if (downstream != null && !downstream.awaitTermination(5, TimeUnit.SECONDS)) {
        downstream.shutdownNow();
      }
    } catch (InterruptedException e) {
      server.shutdownNow();
      Thread.currentThread().interrupt();
    }
  }

  private void countSpans(ExportTraceServiceRequest req) {
    traceRequests.increment();
    long n = 0;
    long ev = 0;
    long nowMicros = mode == Mode.SINK ? LoadWorker.wallNanos() / 1000 : 0;
    for (ResourceSpans rs : req.getResourceSpansList()) {
      for (ScopeSpans ss : rs.getScopeSpansList()) {
        n += ss.getSpansCount();
        for (Span s : ss.getSpansList()) {
          ev += s.getEventsCount();
          if (mode == Mode.SINK) {
            analyze(s, nowMicros);
          }
        }
      }
    }
    spans.add(n);
    events.add(ev);
  }

  private void analyze(Span s, long nowMicros) {
    if (s.getName().contains("::chunk_")) {
      chunkSpans.increment();
      return;
    }
    if (s.getName().equals("llm_stream.incomplete")) {
      incompleteSpans.increment();
    }
    boolean shape = false;
    boolean ttft = false;
    long sent = 0;
    for (KeyValue kv : s.getAttributesList()) {
      String k = kv.getKey();
      if (k.startsWith("llm_stream.")) {
        if (k.equals("llm_stream.input_shape")) {
          shape = true;
        } else if (k.equals("llm_stream.ttft_ms")) {
          ttft = true;
        }
      } else if (k.equals(OtlpItems.SENT_ATTRIBUTE)) {
        sent = kv.getValue().getIntValue();
      }
    }
    if (shape) {
      condensedSpans.increment();
    }
    if (ttft && sent > 0) {
      delayMicros.record(nowMicros - sent / 1000);
    }
  }

  private void countLogs(ExportLogsServiceRequest req) {
    logRequests.increment();
    long n = 0;
    for (ResourceLogs rl : req.getResourceLogsList()) {
      for (ScopeLogs sl : rl.getScopeLogsList()) {
        n += sl.getLogRecordsCount();
      }
    }
    logs.add(n);
  }

  private void countMetrics(ExportMetricsServiceRequest req) {
    metricRequests.increment();
    long n = 0;
    for (ResourceMetrics rm : req.getResourceMetricsList()) {
      for (ScopeMetrics sm : rm.getScopeMetricsList()) {
        n += sm.getMetricsCount();
      }
    }
    metrics.add(n);
  }

  private boolean admitForward(StreamObserver<?> response) {
    if (forwardPermits.tryAcquire()) {
      return true;
    }
    refused.increment();
    response.onError(Status.UNAVAILABLE.withDescription("forward in-flight limit reached").asRuntimeException());
    return false;
  }

  private <T> FutureCallback<T> relay(StreamObserver<T> response) {
    return new FutureCallback<>() {
      @Override
      public void onSuccess(T r) {
        forwardPermits.release();
        response.onNext(r);
        response.onCompleted();
      }

      @Override
      public void onFailure(Throwable t) {
        forwardPermits.release();
        forwardFailed.increment();
        response.onError(Status.fromThrowable(t).asRuntimeException());
      }
    };
  }

  private final class Traces extends TraceServiceGrpc.TraceServiceImplBase {
    private final TraceServiceGrpc.TraceServiceFutureStub stub =
        downstream == null ? null : TraceServiceGrpc.newFutureStub(downstream);

    @Override
    public void export(ExportTraceServiceRequest request, StreamObserver<ExportTraceServiceResponse> response) {
      countSpans(request);
      if (mode != Mode.FORWARD) {
        response.onNext(ExportTraceServiceResponse.getDefaultInstance());
        response.onCompleted();
      } else if (admitForward(response)) {
        Futures.addCallback(stub.withDeadlineAfter(30, TimeUnit.SECONDS).export(request), relay(response),
            MoreExecutors.directExecutor());
      }
    }
  }

  private final class Logs extends LogsServiceGrpc.LogsServiceImplBase {
    private final LogsServiceGrpc.LogsServiceFutureStub stub =
        downstream == null ? null : LogsServiceGrpc.newFutureStub(downstream);

    @Override
    public void export(ExportLogsServiceRequest request, StreamObserver<ExportLogsServiceResponse> response) {
      countLogs(request);
      if (mode != Mode.FORWARD) {
        response.onNext(ExportLogsServiceResponse.getDefaultInstance());
        response.onCompleted();
      } else if (admitForward(response)) {
        Futures.addCallback(stub.withDeadlineAfter(30, TimeUnit.SECONDS).export(request), relay(response),
            MoreExecutors.directExecutor());
      }
    }
  }

  private final class Metrics extends MetricsServiceGrpc.MetricsServiceImplBase {
    private final MetricsServiceGrpc.MetricsServiceFutureStub stub =
        downstream == null ? null : MetricsServiceGrpc.newFutureStub(downstream);

    @Override
    public void export(ExportMetricsServiceRequest request, StreamObserver<ExportMetricsServiceResponse> response) {
      countMetrics(request);
      if (mode != Mode.FORWARD) {
        response.onNext(ExportMetricsServiceResponse.getDefaultInstance());
        response.onCompleted();
      } else if (admitForward(response)) {
        Futures.addCallback(stub.withDeadlineAfter(30, TimeUnit.SECONDS).export(request), relay(response),
            MoreExecutors.directExecutor());
      }
    }
  }
}
