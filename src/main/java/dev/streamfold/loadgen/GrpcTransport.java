package dev.streamfold.loadgen;

import com.google.common.util.concurrent.FutureCallback;
import com.google.common.util.concurrent.Futures;
import com.google.common.util.concurrent.ListenableFuture;
import com.google.common.util.concurrent.MoreExecutors;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.MetadataUtils;
import io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest;
import io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceResponse;
import io.opentelemetry.proto.collector.logs.v1.LogsServiceGrpc;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;
import io.opentelemetry.proto.collector.trace.v1.TraceServiceGrpc;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * One gRPC channel (one HTTP/2 connection) with at most {@code inFlight} concurrent export
 * calls: {@link #send} blocks for a permit, the answer releases it. Outcomes: OK (partial
 * success rejections counted), refused (server answered UNAVAILABLE or RESOURCE_EXHAUSTED),
 * failed (anything else, including transport errors). No retries: a refused request is counted,
 * not resent.
 */
final class GrpcTransport implements Transport {
  private final ManagedChannel channel;
  private final TraceServiceGrpc.TraceServiceFutureStub traces;
  private final LogsServiceGrpc.LogsServiceFutureStub logs;
  private final Semaphore permits;
  private final int inFlight;
  private final long deadlineMs;
  private final LoadStats stats;
  private final Map<Status.Code, String> firstErrors;

  GrpcTransport(LoadGenOptions o, LoadStats stats, Map<Status.Code, String> firstErrors) {
    this(o, o.endpoint, stats, firstErrors);
  }

  /** @param endpoint HOST:PORT, {@code o.endpoint} or one of a routed run's endpoints */
  GrpcTransport(LoadGenOptions o, String endpoint, LoadStats stats, Map<Status.Code, String> firstErrors) {
    this.stats = stats;
    this.firstErrors = firstErrors;
    this.inFlight = o.inFlight;
    this.deadlineMs = o.deadlineMs;
    this.permits = new Semaphore(o.inFlight);
    channel = NettyChannelBuilder.forTarget(endpoint)
        .usePlaintext()
        .flowControlWindow(4 << 20)
        .maxInboundMessageSize(16 << 20)
        .build();
    TraceServiceGrpc.TraceServiceFutureStub t = TraceServiceGrpc.newFutureStub(channel);
    LogsServiceGrpc.LogsServiceFutureStub l = LogsServiceGrpc.newFutureStub(channel);
    if (!o.token.isEmpty()) {
      Metadata md = new Metadata();
      md.put(Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER), "Bearer " + o.token);
      t = t.withInterceptors(MetadataUtils.newAttachHeadersInterceptor(md));
      l = l.withInterceptors(MetadataUtils.newAttachHeadersInterceptor(md));
    }
    if (o.gzip) {
      t = t.withCompression("gzip");
      l = l.withCompression("gzip");
    }
    traces = t;
    logs = l;
  }

  @Override
  public void send(ExportTraceServiceRequest request, long[] counts) throws InterruptedException {
    permits.acquire();
    stats.add(LoadStats.SENT, counts);
    ListenableFuture<ExportTraceServiceResponse> f;
    try {
      f = traces.withDeadlineAfter(deadlineMs, TimeUnit.MILLISECONDS).export(request);
    } catch (RuntimeException e) {
      done(Status.fromThrowable(e), counts, 0);
      return;
    }
    Futures.addCallback(f, new FutureCallback<>() {
      @Override
      public void onSuccess(ExportTraceServiceResponse r) {
        done(Status.OK, counts, r.hasPartialSuccess() ? r.getPartialSuccess().getRejectedSpans() : 0);
      }

      @Override
      public void onFailure(Throwable t) {
        done(Status.fromThrowable(t), counts, 0);
      }
    }, MoreExecutors.directExecutor());
  }

  @Override
  public void send(ExportLogsServiceRequest request, long[] counts) throws InterruptedException {
    permits.acquire();
    stats.add(LoadStats.SENT, counts);
    ListenableFuture<ExportLogsServiceResponse> f;
    try {
      f = logs.withDeadlineAfter(deadlineMs, TimeUnit.MILLISECONDS).export(request);
    } catch (RuntimeException e) {
      done(Status.fromThrowable(e), counts, 0);
      return;
    }
    Futures.addCallback(f, new FutureCallback<>() {
      @Override
      public void onSuccess(ExportLogsServiceResponse r) {
        done(Status.OK, counts, r.hasPartialSuccess() ? r.getPartialSuccess().getRejectedLogRecords() : 0);
      }

      @Override
      public void onFailure(Throwable t) {
        done(Status.fromThrowable(t), counts, 0);
      }
    }, MoreExecutors.directExecutor());
  }

  private void done(Status status, long[] counts, long rejected) {
    try {
      if (status.isOk()) {
        stats.add(LoadStats.OK, counts);
        if (rejected > 0) {
          stats.partialRejected(rejected);
        }
        return;
      }
      Status.Code code = status.getCode();
      // a server's push-back carries no cause; a connection failure (also UNAVAILABLE) does
      boolean pushBack = status.getCause() == null
          && (code == Status.Code.UNAVAILABLE || code == Status.Code.RESOURCE_EXHAUSTED);
      stats.add(pushBack ? LoadStats.REFUSED : LoadStats.FAILED, counts);
      firstErrors.putIfAbsent(code, String.valueOf(status.getDescription()));
    } finally {
      permits.release();
    }
  }

  @Override
  public boolean awaitIdle(long timeoutMillis) throws InterruptedException {
    if (!permits.tryAcquire(inFlight, timeoutMillis, TimeUnit.MILLISECONDS)) {
      return false;
    }
    permits.release(inFlight);
    return true;
  }

  @Override
  public void close() {
    channel.shutdown();
    try {
      if (!channel.awaitTermination(5, TimeUnit.SECONDS)) {
        channel.shutdownNow();
      }
    } catch (InterruptedException e) {
      channel.shutdownNow();
      Thread.currentThread().interrupt();
    }
  }

  static Map<Status.Code, String> newErrorMap() {
    return new ConcurrentHashMap<>();
  }
}
