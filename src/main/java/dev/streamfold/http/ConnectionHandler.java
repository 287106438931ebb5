package dev.streamfold.http;

import io.grpc.netty.shaded.io.netty.buffer.ByteBuf;
import io.grpc.netty.shaded.io.netty.buffer.Unpooled;
import io.grpc.netty.shaded.io.netty.channel.ChannelFutureListener;
import io.grpc.netty.shaded.io.netty.channel.ChannelHandlerContext;
import io.grpc.netty.shaded.io.netty.channel.ChannelInboundHandlerAdapter;
import io.grpc.netty.shaded.io.netty.channel.socket.SocketChannel;
import io.grpc.netty.shaded.io.netty.handler.codec.DecoderResult;
import io.grpc.netty.shaded.io.netty.handler.codec.TooLongFrameException;
import io.grpc.netty.shaded.io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.grpc.netty.shaded.io.netty.handler.codec.http.FullHttpResponse;
import io.grpc.netty.shaded.io.netty.handler.codec.http.HttpContent;
import io.grpc.netty.shaded.io.netty.handler.codec.http.HttpHeaderNames;
import io.grpc.netty.shaded.io.netty.handler.codec.http.HttpHeaderValues;
import io.grpc.netty.shaded.io.netty.handler.codec.http.HttpObject;
import io.grpc.netty.shaded.io.netty.handler.codec.http.HttpRequest;
import io.grpc.netty.shaded.io.netty.handler.codec.http.HttpResponseStatus;
import io.grpc.netty.shaded.io.netty.handler.codec.http.HttpUtil;
import io.grpc.netty.shaded.io.netty.handler.codec.http.HttpVersion;
import io.grpc.netty.shaded.io.netty.handler.codec.http.LastHttpContent;
import io.grpc.netty.shaded.io.netty.util.ReferenceCountUtil;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One connection's state machine, on its event loop. A timer per phase cuts a slow client off
 * without affecting any other connection: {@code HEADERS} (head not complete; header timeout),
 * {@code BODY} (body not complete; body timeout), {@code PROCESSING} (the handler has the request;
 * reading is paused, so a client cannot pile up work), {@code IDLE} (kept alive between requests;
 * idle timeout), {@code CLOSING} (answered with Connection: close; unread input is drained for a
 * moment so the client reads the answer rather than a reset). Requests pipelined behind one in
 * progress wait in a queue bounded by the body limit.
 */
final class ConnectionHandler extends ChannelInboundHandlerAdapter {
  private static final Logger log = LoggerFactory.getLogger(ConnectionHandler.class);
  private static final int MIN_BUFFER = 8 * 1024;

  private enum State { HEADERS, BODY, PROCESSING, IDLE, CLOSING }

  private final HttpServer.Shared shared;
  /** Non-null when the connection was over a limit: every request gets this refusal. */
  private final Refusal overLimit;
  /** An HTTP/2 stream: one request, then the stream ends (no Connection header, no keep-alive). */
  private final boolean singleRequest;
  private final ArrayDeque<Object> pipelined = new ArrayDeque<>();
  private ChannelHandlerContext ctx;
  private State state = State.HEADERS;
  private ScheduledFuture<?> timer;
  private Request request;
  private boolean keepAlive;
  private boolean head;
  /** An answer decided from the head, sent once the (empty) body has been read. */
  private Response early;
  private byte[] body;
  private int length;
  private long reserved;
  private long pipelinedBytes;

  ConnectionHandler(HttpServer.Shared shared, Refusal overLimit) {
    this(shared, overLimit, false);
  }

  ConnectionHandler(HttpServer.Shared shared, Refusal overLimit, boolean singleRequest) {
    this.shared = shared;
    this.overLimit = overLimit;
    this.singleRequest = singleRequest;
  }

  /** Sits below the HTTP codec: notices the first byte of a request and drains input while closing. */
  final class Watcher extends ChannelInboundHandlerAdapter {
    @Override
    public void channelRead(ChannelHandlerContext c, Object msg) {
      if (state == State.CLOSING) {
        ReferenceCountUtil.release(msg);
        return;
      }
      if (state == State.IDLE) {
        state = State.HEADERS;
        schedule(shared.options.headerTimeout());
      }
      c.fireChannelRead(msg);
    }
  }

  @Override
  public void handlerAdded(ChannelHandlerContext c) {
    this.ctx = c;
  }

  @Override
  public void channelActive(ChannelHandlerContext c) {
    schedule(shared.options.headerTimeout());
    c.fireChannelActive();
  }

  @Override
  public void channelInactive(ChannelHandlerContext c) {
    cancelTimer();
    releaseBody();
    while (!pipelined.isEmpty()) {
      ReferenceCountUtil.release(pipelined.poll());
    }
    c.fireChannelInactive();
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext c, Throwable cause) {
    log.debug("{}: connection from {} failed: {}", shared.options.name(), c.channel().remoteAddress(), cause.toString());
    c.close();
  }

  @Override
  public void channelRead(ChannelHandlerContext c, Object msg) {
    if (state == State.PROCESSING || !pipelined.isEmpty()) {
      queue(msg);
      return;
    }
    dispatch(msg);
  }

  private void dispatch(Object msg) {
    try {
      if (msg instanceof HttpRequest) {
        onHead((HttpRequest) msg);
      }
      if (msg instanceof HttpContent) {
        onContent((HttpContent) msg);
      }
    } finally {
      ReferenceCountUtil.release(msg);
    }
  }

  private void queue(Object msg) {
    if (msg instanceof HttpContent) {
      pipelinedBytes += ((HttpContent) msg).content().readableBytes();
    }
    pipelined.add(msg);
    if (pipelinedBytes > Math.max(MIN_BUFFER, shared.options.maxBodyBytes())) {
      // a client pipelining more than one body's worth: stop reading it; it is answered what it
      // got answered so far
      log.debug("{}: {} pipelined too much, closing", shared.options.name(), ctx.channel().remoteAddress());
      ctx.close();
    }
  }

  private void onHead(HttpRequest h) {
    if (state != State.HEADERS && state != State.IDLE) {
      return;
    }
    cancelTimer();
    DecoderResult result = h.decoderResult();
    request = new Request(h.method().name(), h.uri(), h.headers(), (InetSocketAddress) ctx.channel().remoteAddress());
    keepAlive = HttpUtil.isKeepAlive(h);
    head = "HEAD".equals(h.method().name());
    early = null;
    if (result.isFailure()) {
      int code = result.cause() instanceof TooLongFrameException ? 431 : 400;
      shared.badRequests.incrementAndGet();
      write(Response.empty(code).close());
      return;
    }
    boolean hasBody = HttpUtil.isTransferEncodingChunked(h) || HttpUtil.getContentLength(h, 0L) > 0;
    if (overLimit != null) {
      finishEarly(shared.handler.refused(request, overLimit).close(), hasBody);
      return;
    }
    Response answer = shared.handler.onHead(request);
    if (answer != null) {
      finishEarly(answer, hasBody);
      return;
    }
    if (HttpUtil.is100ContinueExpected(h)) {
      ctx.writeAndFlush(new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.CONTINUE));
    }
    long declared = HttpUtil.getContentLength(h, -1L);
    body = new byte[(int) Math.max(0, Math.min(declared >= 0 ? declared : MIN_BUFFER, (long) shared.options.maxBodyBytes()))];
    length = 0;
    state = State.BODY;
    schedule(shared.options.bodyTimeout());
  }

  /** Answers without the body: at once (closing) when a body is on its way, else after its empty end. */
  private void finishEarly(Response answer, boolean hasBody) {
    if (hasBody) {
      write(answer.close());
    } else {
      early = answer;
      state = State.BODY;
      schedule(shared.options.bodyTimeout());
    }
  }

  private void onContent(HttpContent content) {
    if (state != State.BODY) {
      return;
    }
    if (content.decoderResult().isFailure()) {
      // a broken chunked encoding: the rest of the stream cannot be framed
      shared.badRequests.incrementAndGet();
      write(Response.empty(400).close());
      return;
    }
    if (early != null) {
      if (content instanceof LastHttpContent) {
        Response r = early;
        early = null;
        write(r);
      }
      return;
    }
    ByteBuf buf = content.content();
    int n = buf.readableBytes();
    if (n > 0) {
      if ((long) length + n > shared.options.maxBodyBytes()) {
        write(shared.handler.refused(request, Refusal.TOO_LARGE).close());
        return;
      }
      if (!shared.options.budget().tryReserve(n)) {
        write(shared.handler.refused(request, Refusal.BUFFER_FULL).close());
        return;
      }
      reserved += n;
      if (length + n > body.length) {
        long grown = Math.max((long) body.length * 2, (long) length + n);
        body = Arrays.copyOf(body, (int) Math.min(grown, shared.options.maxBodyBytes()));
      }
      buf.readBytes(body, length, n);
      length += n;
    }
    if (content instanceof LastHttpContent) {
      cancelTimer();
      state = State.PROCESSING;
      ctx.channel().config().setAutoRead(false);
      request.body(body, length);
      body = null;
      AtomicBoolean answered = new AtomicBoolean();
      shared.inFlight.incrementAndGet();
      Exchange exchange = r -> {
        if (answered.compareAndSet(false, true)) {
          shared.inFlight.decrementAndGet();
          if (ctx.executor().inEventLoop()) {
            write(r);
          } else {
            ctx.executor().execute(() -> write(r));
          }
        }
      };
      try {
        shared.handler.onRequest(request, exchange);
      } catch (RuntimeException e) {
        log.error("{}: handler failed", shared.options.name(), e);
        exchange.respond(Response.empty(500).close());
      }
    }
  }

  private void write(Response r) {
    if (!ctx.channel().isActive()) {
      releaseBody();
      return;
    }
    cancelTimer();
    boolean keep = !singleRequest && keepAlive && !r.closes() && !shared.closing;
    byte[] bytes = r.body();
    FullHttpResponse resp = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.valueOf(r.status()),
        head || bytes.length == 0 ? Unpooled.EMPTY_BUFFER : Unpooled.wrappedBuffer(bytes));
    if (r.contentType() != null) {
      resp.headers().set(HttpHeaderNames.CONTENT_TYPE, r.contentType());
    }
    resp.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, bytes.length);
    for (String[] kv : r.headers()) {
      resp.headers().set(kv[0], kv[1]);
    }
    if (!singleRequest) {
      resp.headers().set(HttpHeaderNames.CONNECTION, keep ? HttpHeaderValues.KEEP_ALIVE : HttpHeaderValues.CLOSE);
    }
    head = false;
    state = keep ? State.IDLE : State.CLOSING;
    releaseBody();
    request = null;
    ctx.writeAndFlush(resp).addListener((ChannelFutureListener) f -> {
      if (!f.isSuccess()) {
        ctx.close();
      } else if (!keep) {
        linger();
      } else {
        resume();
      }
    });
  }

  /** After a kept-alive answer: idle until the next request, serving any pipelined one first. */
  private void resume() {
    schedule(shared.options.idleTimeout());
    pipelinedBytes = 0;
    while (!pipelined.isEmpty() && state != State.PROCESSING && state != State.CLOSING) {
      dispatch(pipelined.poll());
    }
    if (state != State.PROCESSING && state != State.CLOSING) {
      ctx.channel().config().setAutoRead(true);
      ctx.read();
    }
  }

  /** Half-closes and drains input briefly, so the client reads the answer instead of a reset. */
  private void linger() {
    state = State.CLOSING;
    while (!pipelined.isEmpty()) {
      ReferenceCountUtil.release(pipelined.poll());
    }
    if (shared.tls || !(ctx.channel() instanceof SocketChannel)) {
      ctx.close();
      return;
    }
    ((SocketChannel) ctx.channel()).shutdownOutput().addListener(f -> {
      if (!f.isSuccess()) {
        ctx.close();
        return;
      }
      schedule(HttpOptions.LINGER);
      ctx.channel().config().setAutoRead(true);
      ctx.read();
    });
  }

  private void onTimeout() {
    timer = null;
    switch (state) {
      case HEADERS:
        shared.headerTimeouts.incrementAndGet();
        write(Response.empty(408).close());
        break;
      case BODY:
        shared.bodyTimeouts.incrementAndGet();
        if (early != null) {
          write(early.close());
        } else {
          write(shared.handler.refused(request, Refusal.BODY_TIMEOUT).close());
        }
        break;
      case IDLE:
      case CLOSING:
        ctx.close();
        break;
      default:
        // PROCESSING has no timer: the handler answers
    }
  }

  private void schedule(Duration after) {
    cancelTimer();
    timer = ctx.executor().schedule(this::onTimeout, after.toNanos(), TimeUnit.NANOSECONDS);
  }

  private void cancelTimer() {
    if (timer != null) {
      timer.cancel(false);
      timer = null;
    }
  }

  private void releaseBody() {
    body = null;
    if (reserved > 0) {
      shared.options.budget().release(reserved);
      reserved = 0;
    }
  }
}
