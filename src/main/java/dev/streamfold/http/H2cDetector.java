package dev.streamfold.http;

import io.grpc.netty.shaded.io.netty.buffer.ByteBuf;
import io.grpc.netty.shaded.io.netty.channel.ChannelHandlerContext;
import io.grpc.netty.shaded.io.netty.channel.ChannelInboundHandlerAdapter;
import io.grpc.netty.shaded.io.netty.channel.ChannelInitializer;
import io.grpc.netty.shaded.io.netty.channel.ChannelPipeline;
import io.grpc.netty.shaded.io.netty.handler.codec.ByteToMessageDecoder;
import io.grpc.netty.shaded.io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.grpc.netty.shaded.io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.grpc.netty.shaded.io.netty.handler.codec.http2.Http2Settings;
import io.grpc.netty.shaded.io.netty.handler.codec.http2.Http2StreamChannel;
import io.grpc.netty.shaded.io.netty.handler.codec.http2.Http2StreamFrameToHttpObjectCodec;
import io.grpc.netty.shaded.io.netty.handler.timeout.IdleStateEvent;
import io.grpc.netty.shaded.io.netty.handler.timeout.IdleStateHandler;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * h2c with prior knowledge: looks at a plaintext connection's first bytes; on the HTTP/2
 * connection preface it turns the connection into HTTP/2 (each stream served by its own
 * {@link ConnectionHandler}, one request per stream, with the same head / body timeouts, body
 * limit and budget), otherwise it steps aside for HTTP/1.1. An HTTP/2 connection allows 100
 * concurrent streams, closes when idle for the idle timeout, and is sent GOAWAY after 200
 * RST_STREAM frames in 10 s (rapid reset).
 */
final class H2cDetector extends ByteToMessageDecoder {
  private static final byte[] PREFACE = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
  static final int MAX_CONCURRENT_STREAMS = 100;
  static final int MAX_RST_FRAMES = 200;
  static final int RST_WINDOW_SECONDS = 10;

  private final HttpServer.Shared shared;

  H2cDetector(HttpServer.Shared shared) {
    this.shared = shared;
  }

  @Override
  protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
    int n = Math.min(in.readableBytes(), PREFACE.length);
    for (int i = 0; i < n; i++) {
      if (in.getByte(in.readerIndex() + i) != PREFACE[i]) {
        // HTTP/1.1: the buffered bytes go on to the HTTP/1.1 codec
        ctx.pipeline().remove(this);
        return;
      }
    }
    if (n < PREFACE.length) {
      return; // wait for more
    }
    upgrade(ctx.pipeline());
    ctx.pipeline().remove(this);
  }

  private void upgrade(ChannelPipeline p) {
    p.remove("watch");
    p.remove("codec");
    p.remove("connection");
    long idleNanos = shared.options.idleTimeout().toNanos();
    p.addLast("idle", new IdleStateHandler(0, 0, idleNanos, TimeUnit.NANOSECONDS));
    p.addLast("idle-close", new ChannelInboundHandlerAdapter() {
      @Override
      public void userEventTriggered(ChannelHandlerContext c, Object evt) throws Exception {
        if (evt instanceof IdleStateEvent) {
          c.close();
        } else {
          super.userEventTriggered(c, evt);
        }
      }
    });
    p.addLast("h2", Http2FrameCodecBuilder.forServer()
        .initialSettings(Http2Settings.defaultSettings()
            .maxConcurrentStreams(MAX_CONCURRENT_STREAMS)
            .maxHeaderListSize(shared.options.maxHeaderBytes()))
        .decoderEnforceMaxRstFramesPerWindow(MAX_RST_FRAMES, RST_WINDOW_SECONDS)
        .build());
    p.addLast("streams", new Http2MultiplexHandler(new ChannelInitializer<Http2StreamChannel>() {
      @Override
      protected void initChannel(Http2StreamChannel ch) {
        ch.pipeline().addLast(new Http2StreamFrameToHttpObjectCodec(true));
        ch.pipeline().addLast(new ConnectionHandler(shared, null, true));
      }
    }));
  }
}
