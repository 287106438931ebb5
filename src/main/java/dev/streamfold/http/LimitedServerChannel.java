package dev.streamfold.http;

import io.grpc.netty.shaded.io.netty.channel.socket.nio.NioServerSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.socket.nio.NioSocketChannel;
import io.grpc.netty.shaded.io.netty.util.internal.SocketUtils;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.channels.SocketChannel;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A listening channel that admits a connection only through a {@link ConnectionLimiter}: over
 * the limit the socket is closed as soon as it is accepted, before any protocol runs (for gRPC,
 * where clients treat a closed connection as UNAVAILABLE and retry). Admitted connections release
 * their slot when they close. Used with {@code NettyServerBuilder.channelFactory}.
 */
public final class LimitedServerChannel extends NioServerSocketChannel {
  private static final Logger log = LoggerFactory.getLogger(LimitedServerChannel.class);

  private final ConnectionLimiter limiter;

  public LimitedServerChannel(ConnectionLimiter limiter) {
    this.limiter = limiter;
  }

  @Override
  protected int doReadMessages(List<Object> buf) throws Exception {
    SocketChannel ch = SocketUtils.accept(javaChannel());
    if (ch == null) {
      return 0;
    }
    try {
      InetAddress client = ((InetSocketAddress) ch.getRemoteAddress()).getAddress();
      if (limiter.tryAcquire(client) != ConnectionLimiter.Verdict.ADMITTED) {
        ch.close();
        return 0;
      }
      buf.add(new Counted(this, ch, limiter, client));
      return 1;
    } catch (IOException | RuntimeException e) {
      log.debug("failed to accept a connection: {}", e.toString());
      try {
        ch.close();
      } catch (IOException ignored) {
        // already broken
      }
      return 0;
    }
  }

  /** An admitted connection: gives its slot back once, when it closes. */
  private static final class Counted extends NioSocketChannel {
    private final ConnectionLimiter limiter;
    private final InetAddress client;
    private final AtomicBoolean released = new AtomicBoolean();

    Counted(NioServerSocketChannel parent, SocketChannel socket, ConnectionLimiter limiter, InetAddress client) {
      super(parent, socket);
      this.limiter = limiter;
      this.client = client;
    }

    @Override
    protected void doClose() throws Exception {
      try {
        super.doClose();
      } finally {
        if (released.compareAndSet(false, true)) {
          limiter.release(client);
        }
      }
    }
  }
}
