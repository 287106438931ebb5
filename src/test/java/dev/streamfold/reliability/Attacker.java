package dev.streamfold.reliability;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.function.IntFunction;

/**
 * Hostile raw TCP clients from 127.0.0.2 (the whole 127/8 is loopback, so per-client limits see
 * them as another client than the probes on 127.0.0.1). Each connection first sends a prefix,
 * then one byte per {@link #tick()}; answers and closes by the server are recorded. Optionally
 * reconnects what the server closed, like a real slowloris. Driven by one thread; not thread-safe.
 */
final class Attacker implements AutoCloseable {
  static final String FROM = "127.0.0.2";

  /** One attacking connection. */
  static final class Conn {
    final SocketChannel ch;
    final StringBuilder answer = new StringBuilder();
    final byte[] drip;
    int dripped;
    boolean closedByServer;

    Conn(SocketChannel ch, byte[] drip) {
      this.ch = ch;
      this.drip = drip;
    }

    String statusLine() {
      int eol = answer.indexOf("\r\n");
      return eol < 0 ? answer.toString() : answer.substring(0, eol);
    }
  }

  private final int port;
  private final IntFunction<byte[]> prefix;
  private final byte[] drip;
  private final boolean reconnect;
  final List<Conn> live = new ArrayList<>();
  final List<Conn> finished = new ArrayList<>();
  int connectFailures;
  int peakOpen;

  /**
   * @param prefix bytes the i-th connection sends at once
   * @param drip bytes then sent one per tick (cycled)
   */
  Attacker(int port, int connections, IntFunction<byte[]> prefix, byte[] drip, boolean reconnect) throws IOException {
    this.port = port;
    this.prefix = prefix;
    this.drip = drip;
    this.reconnect = reconnect;
    for (int i = 0; i < connections; i++) {
      open(i);
    }
  }

  static byte[] ascii(String s) {
    return s.getBytes(StandardCharsets.US_ASCII);
  }

  private void open(int i) {
    try {
      SocketChannel ch = SocketChannel.open();
      ch.bind(new InetSocketAddress(FROM, 0));
      ch.setOption(StandardSocketOptions.TCP_NODELAY, true);
      ch.connect(new InetSocketAddress("127.0.0.1", port));
      ch.configureBlocking(false);
      Conn c = new Conn(ch, drip);
      byte[] p = prefix.apply(i);
      if (p.length > 0) {
        ch.write(ByteBuffer.wrap(p));
      }
      live.add(c);
      peakOpen = Math.max(peakOpen, live.size());
    } catch (IOException e) {
      connectFailures++;
    }
  }

  /** Sends one byte on every live connection, reads what came back, reconnects closed ones if asked. */
  void tick() {
    ByteBuffer in = ByteBuffer.allocate(4096);
    int closed = 0;
    for (Conn c : new ArrayList<>(live)) {
      try {
        while (true) {
          in.clear();
          int n = c.ch.read(in);
          if (n < 0) {
            throw new IOException("closed by server");
          }
          if (n == 0) {
            break;
          }
          c.answer.append(new String(in.array(), 0, n, StandardCharsets.ISO_8859_1));
        }
        if (c.drip.length > 0) {
          c.ch.write(ByteBuffer.wrap(c.drip, c.dripped++ % c.drip.length, 1));
        }
      } catch (IOException e) {
        c.closedByServer = true;
        live.remove(c);
        finished.add(c);
        closeQuietly(c);
        closed++;
      }
    }
    if (reconnect) {
      for (int i = 0; i < closed; i++) {
        open(finished.size() + live.size());
      }
    }
    peakOpen = Math.max(peakOpen, live.size());
  }

  /** Writes {@code bytes} on {@code c} (small enough for the socket buffer); false if the server closed it. */
  boolean send(Conn c, byte[] bytes) {
    try {
      ByteBuffer b = ByteBuffer.wrap(bytes);
      while (b.hasRemaining()) {
        if (c.ch.write(b) == 0) {
          Thread.onSpinWait();
        }
      }
      return true;
    } catch (IOException e) {
      c.closedByServer = true;
      live.remove(c);
      finished.add(c);
      closeQuietly(c);
      return false;
    }
  }

  /** Every connection ever opened. */
  List<Conn> all() {
    List<Conn> all = new ArrayList<>(finished);
    all.addAll(live);
    return all;
  }

  private static void closeQuietly(Conn c) {
    try {
      c.ch.close();
    } catch (IOException ignored) {
      // closing anyway
    }
  }

  @Override
  public void close() {
    live.forEach(Attacker::closeQuietly);
  }
}
