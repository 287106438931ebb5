package dev.streamfold.export;

import dev.streamfold.time.Clock;
import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.rpc.RetryInfo;
import dev.streamfold.config.ExporterConfig;
import dev.streamfold.pipeline.Signal;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ChannelCredentials;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptors;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.TlsChannelCredentials;
import io.grpc.protobuf.StatusProto;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.StreamObserver;
import io.opentelemetry.proto.collector.logs.v1.LogsServiceGrpc;
import io.opentelemetry.proto.collector.metrics.v1.MetricsServiceGrpc;
import io.opentelemetry.proto.collector.trace.v1.TraceServiceGrpc;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManager;
import javax.net.ssl.TrustManager;

/**
 * OTLP/gRPC exporter: one {@link ManagedChannel} per distinct endpoint (grpc-netty-shaded),
 * static headers attached by a client interceptor, gzip per call, deadline {@code otlp.timeout}.
 * Requests travel as pre-encoded bytes (no re-serialization). Status mapping follows the OTLP
 * specification: CANCELLED, DEADLINE_EXCEEDED, ABORTED, OUT_OF_RANGE, UNAVAILABLE, DATA_LOSS
 * are retryable, RESOURCE_EXHAUSTED only when the status carries {@code google.rpc.RetryInfo};
 * RESOURCE_EXHAUSTED saying the message is over the server's size limit is "too large" (the
 * retry step splits the batch); everything else is permanent. A RetryInfo delay becomes the outcome's retry hint.
 * Thread-safe.
 */
final class GrpcExporter implements Exporter {
  /** How gRPC servers word a message over their inbound size limit (grpc-java, grpc-go, others). */
  private static final java.util.regex.Pattern TOO_LARGE =
      java.util.regex.Pattern.compile("(?i)(exceeds maximum|larger than max|too large|message size|max(imum)?[ _-]?(message[ _-]?)?size)");

  private static final Set<Status.Code> RETRYABLE =
      EnumSet.of(
          Status.Code.CANCELLED,
          Status.Code.DEADLINE_EXCEEDED,
          Status.Code.ABORTED,
          Status.Code.OUT_OF_RANGE,
          Status.Code.UNAVAILABLE,
          Status.Code.DATA_LOSS);

  private static final MethodDescriptor.Marshaller<byte[]> BYTES =
      new MethodDescriptor.Marshaller<>() {
        @Override
        public InputStream stream(byte[] value) {
          return new ByteArrayInputStream(value);
        }

        @Override
        public byte[] parse(InputStream stream) {
          try {
            return stream.readAllBytes();
          } catch (IOException e) {
            throw new UncheckedIOException(e);
          }
        }
      };

  private final Map<Signal, Channel> channels = new EnumMap<>(Signal.class);
  private final Map<Signal, ManagedChannel> bySignal = new EnumMap<>(Signal.class);
  /** Set after UNAVAILABLE: the next call resets the channel's reconnect backoff so reconnects follow our retry pace. */
  private final Map<ManagedChannel, Boolean> resetBackoff = new java.util.concurrent.ConcurrentHashMap<>();
  private final Map<String, ManagedChannel> managed = new LinkedHashMap<>();
  private final Map<Signal, MethodDescriptor<byte[], byte[]>> methods = new EnumMap<>(Signal.class);
  private final long timeoutNanos;
  private final boolean gzip;
  private final Clock clock;

  GrpcExporter(ExporterConfig.Otlp cfg, Clock clock) throws IOException, GeneralSecurityException {
    this.clock = clock;
    this.timeoutNanos = cfg.timeout().toNanos();
    this.gzip = cfg.compression().equals("gzip");
    Metadata headers = new Metadata();
    for (Map.Entry<String, String> h : cfg.headers().entrySet()) {
      headers.put(Metadata.Key.of(h.getKey().toLowerCase(Locale.ROOT), Metadata.ASCII_STRING_MARSHALLER), h.getValue());
    }
    methods.put(Signal.TRACES, bytesMethod(TraceServiceGrpc.getExportMethod()));
    methods.put(Signal.LOGS, bytesMethod(LogsServiceGrpc.getExportMethod()));
    methods.put(Signal.METRICS, bytesMethod(MetricsServiceGrpc.getExportMethod()));
    for (Signal s : Signal.values()) {
      String endpoint = endpointFor(cfg, s);
      String target = target(endpoint);
      ManagedChannel ch = managed.get(endpoint);
      if (ch == null) {
        ch = Grpc.newChannelBuilder(target, credentials(cfg, endpoint)).userAgent("streamfold").disableRetry().build();
        managed.put(endpoint, ch);
      }
      bySignal.put(s, ch);
      channels.put(s, ClientInterceptors.intercept(ch, MetadataUtils.newAttachHeadersInterceptor(headers)));
    }
  }

  static String endpointFor(ExporterConfig.Otlp cfg, Signal s) {
    String specific =
        switch (s) {
          case TRACES -> cfg.tracesEndpoint();
          case LOGS -> cfg.logsEndpoint();
          case METRICS -> cfg.metricsEndpoint();
        };
    return specific == null || specific.isBlank() ? cfg.endpoint().strip() : specific.strip();
  }

  /** {@code http://host:port} / {@code https://host:port/} become {@code host:port}; other targets pass unchanged. */
  static String target(String endpoint) {
    String t = endpoint.replaceFirst("^https?://", "");
    while (t.endsWith("/") && !t.endsWith(":///")) {
      t = t.substring(0, t.length() - 1);
    }
    return t;
  }

  private static ChannelCredentials credentials(ExporterConfig.Otlp cfg, String endpoint) throws IOException, GeneralSecurityException {
    if (!TlsSupport.enabled(cfg.tls(), endpoint)) {
      return InsecureChannelCredentials.create();
    }
    TlsChannelCredentials.Builder b = TlsChannelCredentials.newBuilder();
    TrustManager[] tms = TlsSupport.trustManagers(cfg.tls());
    if (tms != null) {
      b.trustManager(tms);
    }
    KeyManager[] kms = TlsSupport.keyManagers(cfg.tls());
    if (kms != null) {
      b.keyManager(kms);
    }
    return b.build();
  }

  private static MethodDescriptor<byte[], byte[]> bytesMethod(MethodDescriptor<?, ?> typed) {
    return MethodDescriptor.<byte[], byte[]>newBuilder()
        .setType(MethodDescriptor.MethodType.UNARY)
        .setFullMethodName(typed.getFullMethodName())
        .setRequestMarshaller(BYTES)
        .setResponseMarshaller(BYTES)
        .build();
  }

  @Override
  public CompletableFuture<ExportOutcome> export(ExportRequest request) {
    Signal signal = request.signal();
    CallOptions opts = CallOptions.DEFAULT.withDeadlineAfter(timeoutNanos, TimeUnit.NANOSECONDS);
    if (gzip) {
      opts = opts.withCompression("gzip");
    }
    ManagedChannel mc = bySignal.get(signal);
    if (resetBackoff.remove(mc) != null) {
      mc.resetConnectBackoff();
    }
    ClientCall<byte[], byte[]> call;
    try {
      call = channels.get(signal).newCall(methods.get(signal), opts);
    } catch (RuntimeException e) {
      return CompletableFuture.completedFuture(ExportOutcome.retryable(null, "grpc call failed: " + e));
    }
    CallFuture future = new CallFuture(call);
    try {
      ClientCalls.asyncUnaryCall(
          call,
          request.encoded(),
          new StreamObserver<>() {
            private byte[] response;

            @Override
            public void onNext(byte[] value) {
              response = value;
            }

            @Override
            public void onError(Throwable t) {
              if (Status.fromThrowable(t).getCode() == Status.Code.UNAVAILABLE) {
                resetBackoff.put(mc, Boolean.TRUE);
              }
              future.complete(outcome(t));
            }

            @Override
            public void onCompleted() {
              future.complete(OtlpResponses.success(signal, response));
            }
          });
    } catch (RuntimeException e) {
      future.complete(outcome(e));
    }
    return future;
  }

  /** Maps a failed call to an outcome per the OTLP/gRPC retry rules. */
  static ExportOutcome outcome(Throwable t) {
    Status status = Status.fromThrowable(t);
    Duration hint = retryDelay(t);
    String msg = "grpc " + status.getCode() + (status.getDescription() == null ? "" : ": " + OtlpResponses.clip(status.getDescription()));
    if (RETRYABLE.contains(status.getCode())) {
      return ExportOutcome.retryable(hint, msg);
    }
    if (status.getCode() == Status.Code.RESOURCE_EXHAUSTED && hint != null) {
      return ExportOutcome.retryable(hint, msg);
    }
    if (status.getCode() == Status.Code.RESOURCE_EXHAUSTED && status.getDescription() != null && TOO_LARGE.matcher(status.getDescription()).find()) {
      return ExportOutcome.tooLarge(msg);
    }
    if (status.getCode() == Status.Code.UNKNOWN && !(t instanceof StatusRuntimeException) && !(t instanceof io.grpc.StatusException)) {
      // not a status from the server: a local failure (e.g. marshalling); do not loop on it
      return ExportOutcome.nonRetryable("grpc local failure: " + t);
    }
    return ExportOutcome.nonRetryable(msg);
  }

  /** The {@code google.rpc.RetryInfo} delay in the status details, or {@code null}. */
  static Duration retryDelay(Throwable t) {
    com.google.rpc.Status st = StatusProto.fromThrowable(t);
    if (st == null) {
      return null;
    }
    for (Any d : st.getDetailsList()) {
      if (d.is(RetryInfo.class)) {
        try {
          com.google.protobuf.Duration rd = d.unpack(RetryInfo.class).getRetryDelay();
          return Duration.ofSeconds(rd.getSeconds(), rd.getNanos());
        } catch (InvalidProtocolBufferException e) {
          return null;
        }
      }
    }
    return null;
  }

  @Override
  public String describe() {
    return "otlp_grpc " + String.join(", ", managed.keySet());
  }

  @Override
  public void close(Duration timeout) {
    long deadline = clock.nanos() + timeout.toNanos();
    for (ManagedChannel ch : managed.values()) {
      ch.shutdown();
    }
    for (ManagedChannel ch : managed.values()) {
      try {
        long left = deadline - clock.nanos();
        if (left <= 0 || !ch.awaitTermination(left, TimeUnit.NANOSECONDS)) {
          ch.shutdownNow();
        }
      } catch (InterruptedException e) {
        ch.shutdownNow();
        Thread.currentThread().interrupt();
      }
    }
  }

  /** A future that cancels its gRPC call when cancelled. */
  private static final class CallFuture extends CompletableFuture<ExportOutcome> {
    private final ClientCall<?, ?> call;

    CallFuture(ClientCall<?, ?> call) {
      this.call = call;
    }

    @Override
    public boolean cancel(boolean mayInterruptIfRunning) {
      boolean done = super.cancel(mayInterruptIfRunning);
      call.cancel("export cancelled", null);
      return done;
    }
  }
}
