package dev.streamfold.http;

import io.grpc.netty.shaded.io.netty.bootstrap.ServerBootstrap;
import io.grpc.netty.shaded.io.netty.channel.Channel;
import io.grpc.netty.shaded.io.netty.channel.ChannelInitializer;
import io.grpc.netty.shaded.io.netty.channel.ChannelOption;
import io.grpc.netty.shaded.io.netty.channel.ChannelPipeline;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.group.ChannelGroup;
import io.grpc.netty.shaded.io.netty.channel.group.DefaultChannelGroup;
import io.grpc.netty.shaded.io.netty.channel.nio.NioEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.socket.SocketChannel;
import io.grpc.netty.shaded.io.netty.handler.codec.http.HttpServerCodec;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslHandler;
import io.grpc.netty.shaded.io.netty.util.concurrent.GlobalEventExecutor;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;

/**
 * An event-driven HTTP/1.1 server (keep-alive, pipelining, optional TLS / mTLS, optional h2c
 * with prior knowledge) serving one
 * {@link RequestHandler} under {@link HttpOptions}: no thread per connection, so a slow or
 * flooding client costs a socket and a timer, never a thread other clients wait for.
 *
 * <p>Connections are admitted by two limiters: up to the configured limits (total and per client
 * address) a connection is served; past them, up to a quarter more, its first request is answered
 * by {@link RequestHandler#refused} (503 + Retry-After for the OTLP receiver) and the connection
 * closed; past that the socket is closed on accept.
 *
 * <p>Lifecycle: {@link #start} once, {@link #close} once. Thread-safe.
 */
public final class HttpServer implements AutoCloseable {
  /** State the connections of one server share. */
  static final class Shared {
    final HttpOptions options;
    final RequestHandler handler;
    final boolean tls;
    final AtomicInteger inFlight = new AtomicInteger();
    final AtomicLong headerTimeouts = new AtomicLong();
    final AtomicLong bodyTimeouts = new AtomicLong();
    final AtomicLong badRequests = new AtomicLong();
    volatile boolean closing;

    Shared(HttpOptions options, RequestHandler handler, boolean tls) {
      this.options = options;
      this.handler = handler;
      this.tls = tls;
    }
  }

  private final Shared shared;
  private final SSLContext ssl;
  private final boolean needClientAuth;
  private final ConnectionLimiter served;
  private final ConnectionLimiter accepted;
  private final ChannelGroup channels = new DefaultChannelGroup(GlobalEventExecutor.INSTANCE);
  private EventLoopGroup group;
  private Channel listener;

  /**
   * @param ssl null for plaintext
   * @param needClientAuth with TLS: require a client certificate the SSLContext trusts
   */
  public HttpServer(HttpOptions options, RequestHandler handler, SSLContext ssl, boolean needClientAuth) {
    this.shared = new Shared(options, handler, ssl != null);
    this.ssl = ssl;
    this.needClientAuth = needClientAuth;
    this.served = new ConnectionLimiter(options.maxConnections(), options.maxConnectionsPerClient());
    this.accepted = new ConnectionLimiter(options.maxConnections() + slack(options.maxConnections()),
        options.maxConnectionsPerClient() + slack(options.maxConnectionsPerClient()));
  }

  private static int slack(int limit) {
    return Math.max(4, limit / 4);
  }

  /** Binds and starts serving. @throws IOException when the address cannot be bound */
  public synchronized void start(InetSocketAddress address) throws IOException {
    if (group != null) {
      throw new IllegalStateException("already started");
    }
    group = new NioEventLoopGroup(shared.options.ioThreads(), threads(shared.options.name()));
    ServerBootstrap b = new ServerBootstrap()
        .group(group)
        .channelFactory(() -> new LimitedServerChannel(accepted))
        .option(ChannelOption.SO_BACKLOG, 1024)
        .childOption(ChannelOption.TCP_NODELAY, true)
        .childHandler(new ChannelInitializer<SocketChannel>() {
          @Override
          protected void initChannel(SocketChannel ch) {
            init(ch);
          }
        });
    try {
      listener = b.bind(address).sync().channel();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      close();
      throw new IOException("interrupted while binding " + address, e);
    } catch (Exception e) {
      close();
      throw e instanceof IOException ? (IOException) e : new IOException("cannot bind " + address + ": " + e.getMessage(), e);
    }
  }

  private void init(SocketChannel ch) {
    channels.add(ch);
    InetAddress client = ch.remoteAddress().getAddress();
    Refusal refusal = null;
    switch (served.tryAcquire(client)) {
      case ADMITTED:
        ch.closeFuture().addListener(f -> served.release(client));
        break;
      case TOO_MANY_CONNECTIONS:
        refusal = Refusal.TOO_MANY_CONNECTIONS;
        break;
      default:
        refusal = Refusal.TOO_MANY_FROM_CLIENT;
    }
    ChannelPipeline p = ch.pipeline();
    if (ssl != null) {
      SSLEngine engine = ssl.createSSLEngine();
      engine.setUseClientMode(false);
      engine.setNeedClientAuth(needClientAuth);
      SslHandler tls = new SslHandler(engine);
      tls.setHandshakeTimeoutMillis(shared.options.headerTimeout().toMillis());
      p.addLast("tls", tls);
    }
    if (ssl == null && shared.options.h2c() && refusal == null) {
      p.addLast("h2c", new H2cDetector(shared));
    }
    ConnectionHandler connection = new ConnectionHandler(shared, refusal);
    p.addLast("watch", connection.new Watcher());
    p.addLast("codec", new HttpServerCodec(8192, shared.options.maxHeaderBytes(), 64 * 1024));
    p.addLast("connection", connection);
  }

  /** The bound port. */
  public int port() {
    Channel l = listener;
    if (l == null) {
      throw new IllegalStateException("not started");
    }
    return ((InetSocketAddress) l.localAddress()).getPort();
  }

  /** Requests handed to the handler and not yet answered. */
  public int inFlight() {
    return shared.inFlight.get();
  }

  /** From now on every answer closes its connection (for draining). */
  public void closeConnectionsAfterAnswer() {
    shared.closing = true;
  }

  /** Connections open now (served or about to be refused). */
  public int connections() {
    return accepted.open();
  }

  /** Connections served (cumulative; not counting those answered 503 for a limit). */
  public long connectionsAccepted() {
    return served.admitted();
  }

  /** Connections refused for a limit (cumulative): answered 503 or closed on accept. */
  public long connectionsRefused() {
    return served.refusedTotal() + served.refusedPerClient() + accepted.refusedTotal() + accepted.refusedPerClient();
  }

  /** Requests cut off because their head or body did not arrive in time (cumulative). */
  public long timeouts() {
    return shared.headerTimeouts.get() + shared.bodyTimeouts.get();
  }

  /** Requests the codec could not parse (cumulative). */
  public long badRequests() {
    return shared.badRequests.get();
  }

  /** Closes the listener and every connection, and stops the event loops. */
  @Override
  public synchronized void close() {
    shared.closing = true;
    if (listener != null) {
      listener.close().syncUninterruptibly();
    }
    channels.close().awaitUninterruptibly(2, TimeUnit.SECONDS);
    if (group != null) {
      group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
    }
  }

  private static ThreadFactory threads(String name) {
    AtomicInteger n = new AtomicInteger();
    return r -> {
      Thread t = new Thread(r, "streamfold-" + name + "-io-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    };
  }
}
