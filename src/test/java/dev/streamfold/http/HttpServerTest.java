package dev.streamfold.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The server's HTTP/1.1 mechanics with raw sockets: pipelining, early answers with lingering
 * close, malformed framing, header limits, the body limit and budget, idle timeout, HEAD.
 */
class HttpServerTest {
  private final List<Refusal> refusals = new CopyOnWriteArrayList<>();
  private HttpServer server;
  private final ByteBudget budget = new ByteBudget(100);

  /** Echoes POST bodies; answers 404 from the head for /early; refusals 503. */
  private final RequestHandler echo = new RequestHandler() {
    @Override
    public Response onHead(Request request) {
      return request.path().equals("/early") ? new Response(404, "text/plain", bytes("no")) : null;
    }

    @Override
    public void onRequest(Request request, Exchange exchange) {
      byte[] body = java.util.Arrays.copyOf(request.body(), request.length());
      new Thread(() -> exchange.respond(new Response(200, "text/plain", body))).start();
    }

    @Override
    public Response refused(Request request, Refusal why) {
      refusals.add(why);
      return Response.empty(why == Refusal.TOO_LARGE ? 413 : 503).header("Retry-After", "1");
    }
  };

  @BeforeEach
  void start() throws IOException {
    HttpOptions o = new HttpOptions("test", 1, 16, 8, Duration.ofSeconds(5), Duration.ofSeconds(5),
        Duration.ofSeconds(1), 1024, 64, budget, false);
    server = new HttpServer(o, echo, null, false);
    server.start(new InetSocketAddress("127.0.0.1", 0));
  }

  @AfterEach
  void stop() {
    server.close();
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.ISO_8859_1);
  }

  private Socket connect() throws IOException {
    Socket s = new Socket("127.0.0.1", server.port());
    s.setSoTimeout(10_000);
    return s;
  }

  /** Reads until the server closes the connection or {@code until} appears the given number of times. */
  private static String read(InputStream in, String until, int times) throws IOException {
    ByteArrayOutputStream got = new ByteArrayOutputStream();
    byte[] buf = new byte[4096];
    while (count(got.toString(StandardCharsets.ISO_8859_1), until) < times) {
      int n;
      try {
        n = in.read(buf);
      } catch (SocketTimeoutException e) {
        break;
      }
      if (n < 0) {
        break;
      }
      got.write(buf, 0, n);
    }
    return got.toString(StandardCharsets.ISO_8859_1);
  }

  private static int count(String s, String what) {
    int n = 0;
    for (int i = s.indexOf(what); i >= 0; i = s.indexOf(what, i + 1)) {
      n++;
    }
    return n;
  }

  private static String post(String path, String body) {
    return "POST " + path + " HTTP/1.1\r\nHost: x\r\nContent-Length: " + body.length() + "\r\n\r\n" + body;
  }

  @Test
  void pipelinedRequestsAreAnsweredInOrderOnOneConnection() throws Exception {
    try (Socket s = connect()) {
      s.getOutputStream().write(bytes(post("/a", "first") + post("/b", "second") + post("/c", "third")));
      String answers = read(s.getInputStream(), "HTTP/1.1 200", 3);
      assertThat(count(answers, "HTTP/1.1 200")).isEqualTo(3);
      assertThat(answers.indexOf("first")).isLessThan(answers.indexOf("second"));
      assertThat(answers.indexOf("second")).isLessThan(answers.indexOf("third"));
      assertThat(answers).contains("connection: keep-alive");
    }
  }

  @Test
  void anEarlyAnswerWhileTheBodyIsOnItsWayIsReadByTheClientThenTheConnectionCloses() throws Exception {
    try (Socket s = connect()) {
      OutputStream out = s.getOutputStream();
      out.write(bytes("POST /early HTTP/1.1\r\nHost: x\r\nContent-Length: 40\r\n\r\n0123456789"));
      String answer = read(s.getInputStream(), "no", 1);
      assertThat(answer).startsWith("HTTP/1.1 404").contains("connection: close").endsWith("no");
      // the rest of the body is drained, not answered with a reset
      out.write(bytes("0123456789012345678901234567890"));
      assertThat(s.getInputStream().read()).isEqualTo(-1);
    }
  }

  @Test
  void anEmptyEarlyAnswerKeepsTheConnection() throws Exception {
    try (Socket s = connect()) {
      s.getOutputStream().write(bytes(post("/early", "") + post("/after", "ok")));
      String answers = read(s.getInputStream(), "HTTP/1.1", 2);
      assertThat(answers).startsWith("HTTP/1.1 404").contains("HTTP/1.1 200").endsWith("ok");
    }
  }

  @Test
  void bodiesOverTheLimitOrTheSharedBudgetAreRefused() throws Exception {
    try (Socket s = connect()) {
      s.getOutputStream().write(bytes("POST /x HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n50\r\n"
          + "x".repeat(80) + "\r\n0\r\n\r\n"));
      assertThat(read(s.getInputStream(), "\r\n\r\n", 1)).startsWith("HTTP/1.1 413");
    }
    assertThat(refusals).containsExactly(Refusal.TOO_LARGE);
    // two bodies in progress together over the shared budget of 100 bytes
    try (Socket a = connect(); Socket b = connect()) {
      a.getOutputStream().write(bytes("POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: 64\r\n\r\n" + "a".repeat(60)));
      org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> budget.used() == 60);
      b.getOutputStream().write(bytes("POST /b HTTP/1.1\r\nHost: x\r\nContent-Length: 64\r\n\r\n" + "b".repeat(60)));
      assertThat(read(b.getInputStream(), "\r\n\r\n", 1)).startsWith("HTTP/1.1 503").contains("Retry-After: 1");
      a.getOutputStream().write(bytes("aaaa"));
      assertThat(read(a.getInputStream(), "aaaa", 1)).startsWith("HTTP/1.1 200");
    }
    assertThat(refusals).containsExactly(Refusal.TOO_LARGE, Refusal.BUFFER_FULL);
    org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> budget.used() == 0);
  }

  @Test
  void brokenFramingAndOversizedHeadersAreAnsweredAndClosed() throws Exception {
    try (Socket s = connect()) {
      s.getOutputStream().write(bytes("POST /x HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n"));
      assertThat(read(s.getInputStream(), "\r\n\r\n", 1)).startsWith("HTTP/1.1 400");
    }
    try (Socket s = connect()) {
      s.getOutputStream().write(bytes("GET /x HTTP/1.1\r\nHost: x\r\nX-Big: " + "a".repeat(2000) + "\r\n\r\n"));
      assertThat(read(s.getInputStream(), "\r\n\r\n", 1)).startsWith("HTTP/1.1 431");
    }
    assertThat(server.badRequests()).isEqualTo(2);
  }

  @Test
  void anIdleKeptAliveConnectionIsClosed() throws Exception {
    try (Socket s = connect()) {
      s.getOutputStream().write(bytes(post("/a", "x")));
      String answer = read(s.getInputStream(), "HTTP/1.1 200", 1);
      assertThat(answer).startsWith("HTTP/1.1 200");
      // idle timeout 1 s; the read deadline is 10 s
      assertThat(read(s.getInputStream(), "never", 1)).isEmpty();
      assertThat(s.getInputStream().read()).isEqualTo(-1);
    }
  }

  @Test
  void headGetsTheLengthWithoutTheBody() throws Exception {
    try (Socket s = connect()) {
      s.getOutputStream().write(bytes("HEAD /early HTTP/1.1\r\nHost: x\r\n\r\n" + post("/b", "after")));
      String answers = read(s.getInputStream(), "after", 1);
      assertThat(answers).startsWith("HTTP/1.1 404").contains("content-length: 2").doesNotContain("no\r\n")
          .contains("HTTP/1.1 200").endsWith("after");
    }
  }
}
