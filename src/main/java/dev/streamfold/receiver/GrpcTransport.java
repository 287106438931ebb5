package dev.streamfold.receiver;

import dev.streamfold.config.ReceiverConfig;
import dev.streamfold.http.ConnectionLimiter;
import dev.streamfold.http.LimitedServerChannel;
import io.grpc.InsecureServerCredentials;
import io.grpc.ServerCredentials;
import io.grpc.TlsServerCredentials;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.nio.NioEventLoopGroup;
import java.net.InetSocketAddress;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The connection side of the OTLP/gRPC receiver: TLS credentials, the server's own NIO event loops
 * with a listening channel that enforces {@code max_connections} / {@code max_connections_per_client}
 * on accept, and the HTTP/2 options that police a connection: message size, concurrent streams,
 * handshake timeout, keep-alive pings, rapid-reset RST_STREAM frames, connection age and idle.
 * What runs on a connection (the services) is the receiver's business. Not thread-safe: built and
 * stopped by the receiver under its lock.
 */
final class GrpcTransport {
  private static final long MIB = 1024L * 1024L;

  private final ReceiverConfig.Grpc cfg;
  private final ConnectionLimiter limiter;
  private final EventLoopGroup boss;
  private final EventLoopGroup workers;

  /** Starts the event loops; {@link #stop()} ends them. */
  GrpcTransport(ReceiverConfig.Grpc cfg) {
    this.cfg = cfg;
    this.limiter = new ConnectionLimiter(cfg.maxConnections(), cfg.maxConnectionsPerClient());
    // own NIO event loops: the connection limit needs its own listening channel type
    this.boss = new NioEventLoopGroup(1, daemonThreads("streamfold-otlp-grpc-accept"));
    this.workers = new NioEventLoopGroup(0, daemonThreads("streamfold-otlp-grpc-io"));
  }

  ConnectionLimiter limiter() {
    return limiter;
  }

  /** A server builder for {@code address} with every connection option set; services not added. */
  NettyServerBuilder builder(InetSocketAddress address, ServerTls tls) {
    NettyServerBuilder builder =
        NettyServerBuilder.forAddress(address, credentials(tls))
            .channelFactory(() -> new LimitedServerChannel(limiter))
            .bossEventLoopGroup(boss)
            .workerEventLoopGroup(workers)
            // the event loop only deframes; the work hops to the bounded pool in GrpcExportService
            .directExecutor()
            .maxInboundMessageSize(Math.toIntExact(cfg.maxRecvMsgSizeMib() * MIB))
            .maxConcurrentCallsPerConnection(cfg.maxConcurrentStreams())
            .handshakeTimeout(10, TimeUnit.SECONDS)
            .permitKeepAliveTime(cfg.permitKeepaliveTime().toNanos(), TimeUnit.NANOSECONDS)
            .permitKeepAliveWithoutCalls(cfg.permitKeepaliveWithoutCalls());
    if (cfg.maxRstFramesPerWindow() > 0) {
      builder.maxRstFramesPerWindow(cfg.maxRstFramesPerWindow(), Math.toIntExact(cfg.rstFramesWindow().toSeconds()));
    }
    if (!cfg.maxConnectionAge().isZero()) {
      builder.maxConnectionAge(cfg.maxConnectionAge().toNanos(), TimeUnit.NANOSECONDS)
          .maxConnectionAgeGrace(cfg.maxConnectionAgeGrace().toNanos(), TimeUnit.NANOSECONDS);
    }
    if (!cfg.maxConnectionIdle().isZero()) {
      builder.maxConnectionIdle(cfg.maxConnectionIdle().toNanos(), TimeUnit.NANOSECONDS);
    }
    return builder;
  }

  /** Ends the event loops (after the server stopped, or when it failed to start). */
  void stop() {
    for (EventLoopGroup g : new EventLoopGroup[] {boss, workers}) {
      g.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
    }
  }

  private static ServerCredentials credentials(ServerTls tls) {
    if (tls == null) {
      return InsecureServerCredentials.create();
    }
    TlsServerCredentials.Builder b = TlsServerCredentials.newBuilder().keyManager(tls.keyManagers());
    if (tls.requireClientAuth()) {
      b.trustManager(tls.clientTrustManagers()).clientAuth(TlsServerCredentials.ClientAuth.REQUIRE);
    }
    return b.build();
  }

  private static ThreadFactory daemonThreads(String name) {
    AtomicInteger n = new AtomicInteger();
    return r -> {
      Thread t = new Thread(r, name + "-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    };
  }
}
