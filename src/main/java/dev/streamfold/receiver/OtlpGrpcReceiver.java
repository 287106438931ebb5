package dev.streamfold.receiver;

import dev.streamfold.config.ReceiverConfig;
import dev.streamfold.pipeline.Component;
import dev.streamfold.pipeline.Ingress;
import dev.streamfold.telemetry.ReceiverMetrics;
import dev.streamfold.time.Clock;
import io.grpc.Server;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.services.HealthStatusManager;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
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
 * <p>Parts: {@link GrpcTransport} (event loops, connection limits, keep-alive and the other
 * HTTP/2 options), {@link GrpcExportService} (the per-signal services and their status mapping),
 * {@link GrpcAuthInterceptor} (bearer token), {@link TooLargeCounter}; this class starts and stops
 * them.
 *
 * <p>Status mapping: malformed protobuf -> INVALID_ARGUMENT; missing / wrong bearer token ->
 * UNAUTHENTICATED; ingress REFUSED / UNAVAILABLE -> UNAVAILABLE with {@code google.rpc.RetryInfo}
 * in the status details; invalid items -> OK with {@code partial_success}.
 *
 * <p>Lifecycle: {@link #start()} once, then {@link #shutdown(Duration)} once. Thread-safe.
 */
public final class OtlpGrpcReceiver implements Component {
  private static final Logger log = LoggerFactory.getLogger(OtlpGrpcReceiver.class);
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
  private GrpcTransport transport;
  private boolean stopped;

  /** @param clock used by validation to reject timestamps too far in the future */
  public OtlpGrpcReceiver(ReceiverConfig cfg, Ingress ingress, ReceiverMetrics metrics, Clock clock) {
    this.rootCfg = cfg;
    this.cfg = cfg.grpc();
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
    InetSocketAddress address = Endpoints.parse(cfg.endpoint());
    if (DEFRAME_LOG.getLevel() == null) {
      DEFRAME_LOG.setLevel(java.util.logging.Level.SEVERE);
    }
    BearerAuth auth = BearerAuth.fromConfig(rootCfg.auth());
    ServerTls tls = ServerTls.load(cfg.tls());
    BoundedExecutor pool =
        new BoundedExecutor("otlp-grpc", BoundedExecutor.threads(cfg.threads()), cfg.maxQueuedRequests(), metrics);
    executor = pool;
    health = new HealthStatusManager();
    ServerInterceptor authInterceptor = new GrpcAuthInterceptor(auth, metrics);
    transport = new GrpcTransport(cfg);
    NettyServerBuilder builder = transport.builder(address, tls).addStreamTracerFactory(new TooLargeCounter(metrics));
    for (ServerServiceDefinition service : new GrpcExportService(handler, pool, metrics).services()) {
      builder.addService(ServerInterceptors.intercept(service, authInterceptor));
    }
    Server s = builder.addService(health.getHealthService()).build();
    try {
      s.start();
    } catch (IOException | RuntimeException e) {
      pool.close(Duration.ZERO);
      transport.stop();
      throw e;
    }
    server = s;
    ServerGauges.register(metrics, "otlp-grpc", transport.limiter());
    if (auth.enabled() && LoggerFactory.getLogger(FRAME_LOGGER).isDebugEnabled()) {
      log.warn("DEBUG logging is on for {}: it logs request headers, bearer tokens included; "
          + "set that logger to INFO or higher", FRAME_LOGGER);
    }
    log.info(
        "OTLP/gRPC receiver listening on {}:{} (tls={}, client_auth={}, bearer_auth={}, max_recv_msg_size_mib={})",
        address.getHostString(), s.getPort(), tls != null, tls != null && tls.requireClientAuth(),
        auth.enabled(), cfg.maxRecvMsgSizeMib());
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
    transport.stop();
    log.info("OTLP/gRPC receiver stopped");
  }

  private static long remainingNanos(long deadline) {
    return Math.max(0, deadline - System.nanoTime());
  }
}
