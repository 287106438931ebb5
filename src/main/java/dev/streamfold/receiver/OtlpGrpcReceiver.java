package dev.streamfold.receiver;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.rpc.RetryInfo;
import dev.streamfold.config.ReceiverConfig;
import dev.streamfold.otlp.OtlpSignal;
import dev.streamfold.http.ConnectionLimiter;
import dev.streamfold.http.LimitedServerChannel;
import dev.streamfold.pipeline.Component;
import dev.streamfold.pipeline.Ingress;
import dev.streamfold.pipeline.Signal;
import dev.streamfold.telemetry.ReceiverMetrics;
import dev.streamfold.telemetry.Reasons;
import io.grpc.InsecureServerCredentials;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerCredentials;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
import io.grpc.ServerStreamTracer;
import io.grpc.Status;
import io.grpc.TlsServerCredentials;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.nio.NioEventLoopGroup;
import io.grpc.protobuf.StatusProto;
import io.grpc.protobuf.services.HealthStatusManager;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;
import io.opentelemetry.proto.collector.logs.v1.LogsServiceGrpc;
import io.opentelemetry.proto.collector.metrics.v1.MetricsServiceGrpc;
import io.opentelemetry.proto.collector.trace.v1.TraceServiceGrpc;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.security.GeneralSecurityException;
import dev.streamfold.time.Clock;
import java.time.Duration;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * OTLP/gRPC receiver (SPEC 1.1, 6): {@code TraceService/Export}, {@code LogsService/Export} and
 * {@code MetricsService/Export} on {@code receivers.otlp.grpc.endpoint}, plus the standard
 * {@code grpc.health.v1.Health} service (unauthenticated).
 *
 * <p>Threading and bounds: Netty's event loop only deframes (and gunzips) a message into a byte
 * array, bounded by {@code max_recv_msg_size_mib} (over it gRPC itself answers
 * RESOURCE_EXHAUSTED, counted as {@code too_large}). Decoding, validation and the hand-over to
 * the {@link Ingress} run on a fixed pool of {@code threads} behind a queue of
 * {@code max_queued_requests} calls; when the queue is full the call is answered UNAVAILABLE
 * with a RetryInfo at once. Nothing blocks: the ingress never does, by contract.
 *
 * <p>Connection limits: at most {@code max_connections} open connections, and
 * {@code max_connections_per_client} from one address (past them a new connection is closed on
 * accept; clients see UNAVAILABLE and retry); a client sending more than
 * {@code max_rst_frames_per_window} RST_STREAM frames per {@code rst_frames_window} (HTTP/2 rapid
 * reset) gets GOAWAY; keep-alive pings are policed ({@code permit_keepalive_time}); optional
 * {@code max_connection_age} / {@code max_connection_idle} send GOAWAY so clients reconnect.
 * Invalid UTF-8 in a string field is replaced with U+FFFD ({@link Utf8Repair}), not a reason to
 * refuse the request.
 *
 * <p>Status mapping: malformed protobuf -> INVALID_ARGUMENT; missing / wrong bearer token ->
 * UNAUTHENTICATED; ingress REFUSED / UNAVAILABLE -> UNAVAILABLE with {@code google.rpc.RetryInfo}
 * in the status details; invalid items -> OK with {@code partial_success}.
 *
 * <p>Lifecycle: {@link #start()} once, then {@link #shutdown(Duration)} once. Thread-safe.
 */
public final class OtlpGrpcReceiver implements Component {
  private static final Logger log = LoggerFactory.getLogger(OtlpGrpcReceiver.class);
  static final Metadata.Key<String> AUTHORIZATION =
      Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);
  private static final long MIB = 1024L * 1024L;
  /** Netty's HTTP/2 frame logger: at DEBUG it prints every header, authorization included. */
  private static final String FRAME_LOGGER = "io.grpc.netty.shaded.io.grpc.netty.NettyServerHandler";
  /**
   * gRPC logs a WARNING with a stack trace for every message over the size limit, which would let
   * any client flood the log; those refusals are counted as too_large instead. Held here because
   * java.util.logging keeps loggers weakly and would forget the level.
   */
  private static final java.util.logging.Logger DEFRAME_LOG =
      java.util.logging.Logger.getLogger("io.grpc.netty.shaded.io.grpc.netty.NettyServerStream");

  private final ReceiverConfig.Grpc cfg;
  private final ReceiverConfig rootCfg;
  private final ReceiverMetrics metrics;
  private final ExportHandler handler;

  private volatile Server server;
  private BoundedExecutor executor;
  private HealthStatusManager health;
  private EventLoopGroup boss;
  private EventLoopGroup workers;
  private boolean stopped;

  /** @param clock used by validation to reject timestamps too far in the future */
  public OtlpGrpcReceiver(ReceiverConfig cfg, Ingress ingress, ReceiverMetrics metrics, Clock clock) {
    this.rootCfg = cfg;
    this.cfg = cfg.grpc;
    this.metrics = metrics;
    this.handler = new ExportHandler(ingress, metrics, new OtlpValidator(clock));
  }

  /**
   * Binds the endpoint and starts serving.
   *
   * @throws IOException when the port cannot be bound or a TLS / token file cannot be read
   * @throws GeneralSecurityException when the TLS material is invalid
   */
  @Override
  public synchronized void start() throws IOException, GeneralSecurityException {
    if (server != null) {
      throw new IllegalStateException("already started");
    }
    InetSocketAddress address = Endpoints.parse(cfg.endpoint);
    if (DEFRAME_LOG.getLevel() == null) {
      DEFRAME_LOG.setLevel(java.util.logging.Level.SEVERE);
    }
    BearerAuth auth = BearerAuth.fromConfig(rootCfg.auth);
    ServerTls tls = ServerTls.load(cfg.tls);
    ServerCredentials credentials = InsecureServerCredentials.create();
    if (tls != null) {
      TlsServerCredentials.Builder b = TlsServerCredentials.newBuilder().keyManager(tls.keyManagers());
      if (tls.requireClientAuth()) {
        b.trustManager(tls.clientTrustManagers()).clientAuth(TlsServerCredentials.ClientAuth.REQUIRE);
      }
      credentials = b.build();
    }
    BoundedExecutor pool =
        new BoundedExecutor("otlp-grpc", BoundedExecutor.threads(cfg.threads), cfg.maxQueuedRequests, metrics);
    executor = pool;
    health = new HealthStatusManager();
    ServerInterceptor authInterceptor = new AuthInterceptor(auth, metrics);
    ConnectionLimiter limiter = new ConnectionLimiter(cfg.maxConnections, cfg.maxConnectionsPerClient);
    // own NIO event loops: the connection limit needs its own listening channel type
    boss = new NioEventLoopGroup(1, daemonThreads("streamfold-otlp-grpc-accept"));
    workers = new NioEventLoopGroup(0, daemonThreads("streamfold-otlp-grpc-io"));
    NettyServerBuilder builder =
        NettyServerBuilder.forAddress(address, credentials)
            .channelFactory(() -> new LimitedServerChannel(limiter))
            .bossEventLoopGroup(boss)
            .workerEventLoopGroup(workers)
            // the event loop only deframes; the work hops to the bounded pool in dispatch()
            .directExecutor()
            .maxInboundMessageSize(Math.toIntExact(cfg.maxRecvMsgSizeMib * MIB))
            .maxConcurrentCallsPerConnection(cfg.maxConcurrentStreams)
            .handshakeTimeout(10, TimeUnit.SECONDS)
            .permitKeepAliveTime(cfg.permitKeepaliveTime.toNanos(), TimeUnit.NANOSECONDS)
            .permitKeepAliveWithoutCalls(cfg.permitKeepaliveWithoutCalls);
    if (cfg.maxRstFramesPerWindow > 0) {
      builder.maxRstFramesPerWindow(cfg.maxRstFramesPerWindow, Math.toIntExact(cfg.rstFramesWindow.toSeconds()));
    }
    if (!cfg.maxConnectionAge.isZero()) {
      builder.maxConnectionAge(cfg.maxConnectionAge.toNanos(), TimeUnit.NANOSECONDS)
          .maxConnectionAgeGrace(cfg.maxConnectionAgeGrace.toNanos(), TimeUnit.NANOSECONDS);
    }
    if (!cfg.maxConnectionIdle.isZero()) {
      builder.maxConnectionIdle(cfg.maxConnectionIdle.toNanos(), TimeUnit.NANOSECONDS);
    }
    Server s =
        builder
            .addStreamTracerFactory(new TooLargeCounter(metrics))
            .addService(ServerInterceptors.intercept(
                service(TraceServiceGrpc.getExportMethod(), Signal.TRACES), authInterceptor))
            .addService(ServerInterceptors.intercept(
                service(LogsServiceGrpc.getExportMethod(), Signal.LOGS), authInterceptor))
            .addService(ServerInterceptors.intercept(
                service(MetricsServiceGrpc.getExportMethod(), Signal.METRICS), authInterceptor))
            .addService(health.getHealthService())
            .build();
    try {
      s.start();
    } catch (IOException | RuntimeException e) {
      pool.close(Duration.ZERO);
      stopEventLoops();
      throw e;
    }
    server = s;
    ServerGauges.register(metrics, "otlp-grpc", limiter);
    if (auth.enabled() && LoggerFactory.getLogger(FRAME_LOGGER).isDebugEnabled()) {
      log.warn("DEBUG logging is on for {}: it logs request headers, bearer tokens included; "
          + "set that logger to INFO or higher", FRAME_LOGGER);
    }
    log.info(
        "OTLP/gRPC receiver listening on {}:{} (tls={}, client_auth={}, bearer_auth={}, max_recv_msg_size_mib={})",
        address.getHostString(), s.getPort(), tls != null, tls != null && tls.requireClientAuth(),
        auth.enabled(), cfg.maxRecvMsgSizeMib);
  }

  /** The bound port (useful with port 0). */
  public int port() {
    var s = server;
    if (s == null) {
      throw new IllegalStateException("not started");
    }
    return s.getPort();
  }

  /**
   * Stops accepting calls, lets in-flight calls finish within {@code timeout}, then cancels
   * what is left and stops the pool.
   */
  @Override
  public synchronized void shutdown(Duration timeout) {
    if (server == null || stopped) {
      return;
    }
    stopped = true;
    long deadline = System.nanoTime() + Math.max(0, timeout.toNanos());
    health.enterTerminalState();
    server.shutdown();
    try {
      if (!server.awaitTermination(remainingNanos(deadline), TimeUnit.NANOSECONDS)) {
        server.shutdownNow();
      }
    } catch (InterruptedException e) {
      server.shutdownNow();
      Thread.currentThread().interrupt();
    }
    executor.close(Duration.ofNanos(remainingNanos(deadline)));
    stopEventLoops();
    log.info("OTLP/gRPC receiver stopped");
  }

  private void stopEventLoops() {
    for (EventLoopGroup g : new EventLoopGroup[] {boss, workers}) {
      if (g != null) {
        g.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
      }
    }
  }

  private static ThreadFactory daemonThreads(String name) {
    AtomicInteger n = new AtomicInteger();
    return r -> {
      Thread t = new Thread(r, name + "-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    };
  }

  private static long remainingNanos(long deadline) {
    return Math.max(0, deadline - System.nanoTime());
  }

  // ---- call handling ----

  private <R extends Message> ServerServiceDefinition service(MethodDescriptor<?, R> generated, Signal signal) {
    MethodDescriptor<Payload, R> method =
        generated.toBuilder(PayloadMarshaller.INSTANCE, generated.getResponseMarshaller()).build();
    return ServerServiceDefinition.builder(generated.getServiceName())
        .addMethod(method, ServerCalls.asyncUnaryCall((Payload body, StreamObserver<R> out) -> dispatch(signal, body, out)))
        .build();
  }

  /** Runs on the event loop: hand the raw message to the pool or answer at once. */
  private <R extends Message> void dispatch(Signal signal, Payload body, StreamObserver<R> out) {
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
  private static ExportHandler.Reply handleOrFail(java.util.function.Supplier<ExportHandler.Reply> work) {
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

  /**
   * A message as bytes, or why it could not be read: gRPC inflates compressed messages lazily,
   * while they are read here, and enforces the size limit then (RESOURCE_EXHAUSTED).
   */
  record Payload(byte[] bytes, Status error) {}

  /** Keeps the message as bytes so decoding (and its failure) happens on the pool. */
  private static final class PayloadMarshaller implements MethodDescriptor.Marshaller<Payload> {
    static final PayloadMarshaller INSTANCE = new PayloadMarshaller();

    @Override
    public InputStream stream(Payload value) {
      return new ByteArrayInputStream(value.bytes());
    }

    @Override
    public Payload parse(InputStream stream) {
      try (stream) {
        return new Payload(readFully(stream), null);
      } catch (io.grpc.StatusRuntimeException e) {
        return new Payload(null, e.getStatus());
      } catch (IOException | RuntimeException e) {
        return new Payload(null, Status.INVALID_ARGUMENT.withDescription("cannot read message: " + e.getClass().getSimpleName()));
      }
    }
  }

  /**
   * Reads a message. grpc's message streams know their length: read into an array of exactly
   * that size (readAllBytes would copy through growing buffers).
   */
  static byte[] readFully(InputStream stream) throws IOException {
    if (stream instanceof io.grpc.KnownLength) {
      int n = stream.available();
      byte[] b = new byte[n];
      int off = 0;
      while (off < n) {
        int r = stream.read(b, off, n - off);
        if (r < 0) {
          return java.util.Arrays.copyOf(b, off);
        }
        off += r;
      }
      int extra = stream.read();
      if (extra < 0) {
        return b;
      }
      // longer than announced: read the rest too
      byte[] rest = stream.readAllBytes();
      byte[] all = java.util.Arrays.copyOf(b, n + 1 + rest.length);
      all[n] = (byte) extra;
      System.arraycopy(rest, 0, all, n + 1, rest.length);
      return all;
    }
    return stream.readAllBytes();
  }

  /** Rejects calls without the right bearer token before anything is decoded. */
  private static final class AuthInterceptor implements ServerInterceptor {
    private final BearerAuth auth;
    private final ReceiverMetrics metrics;

    AuthInterceptor(BearerAuth auth, ReceiverMetrics metrics) {
      this.auth = auth;
      this.metrics = metrics;
    }

    @Override
    public <Q, A> ServerCall.Listener<Q> interceptCall(
        ServerCall<Q, A> call, Metadata headers, ServerCallHandler<Q, A> next) {
      if (auth.allows(headers.get(AUTHORIZATION))) {
        return next.startCall(call, headers);
      }
      Signal signal = signalOf(call.getMethodDescriptor().getFullMethodName());
      if (signal != null) {
        metrics.refused(signal, Reasons.UNAUTHENTICATED, 1);
      }
      call.close(Status.UNAUTHENTICATED.withDescription("missing or invalid bearer token"), new Metadata());
      return new ServerCall.Listener<>() {};
    }
  }

  /**
   * gRPC enforces the inbound size limit itself (RESOURCE_EXHAUSTED); the receiver never answers
   * RESOURCE_EXHAUSTED on its own, so every such close of an export call is counted as
   * {@code too_large}. Stateless tracers, one per signal, shared by all streams.
   */
  private static final class TooLargeCounter extends ServerStreamTracer.Factory {
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
      Signal signal = signalOf(fullMethodName);
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
}
