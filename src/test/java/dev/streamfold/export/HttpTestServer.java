package dev.streamfold.export;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsParameters;
import com.sun.net.httpserver.HttpsServer;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Function;
import java.util.zip.GZIPInputStream;
import javax.net.ssl.SSLContext;

/**
 * A real HTTP server (com.sun.net.httpserver) on 127.0.0.1 (ephemeral port) recording every
 * POST. Answers are scripted per request (queued first, then the default 200 with an empty
 * body).
 */
final class HttpTestServer implements AutoCloseable {
  /** A recorded request: path, headers (lower-case names), raw and decoded body. */
  record Received(String path, Map<String, List<String>> headers, byte[] raw, byte[] body) {
    String header(String name) {
      for (Map.Entry<String, List<String>> e : headers.entrySet()) {
        if (e.getKey() != null && e.getKey().equalsIgnoreCase(name)) {
          return e.getValue().get(0);
        }
      }
      return null;
    }
  }

  /** A scripted answer. */
  record Answer(int status, String retryAfter, String contentType, byte[] body) {
    static Answer of(int status) {
      return new Answer(status, null, null, new byte[0]);
    }

    static Answer retryAfter(int status, String value) {
      return new Answer(status, value, null, new byte[0]);
    }
  }

  final List<Received> received = new CopyOnWriteArrayList<>();
  final ConcurrentLinkedDeque<Answer> script = new ConcurrentLinkedDeque<>();
  /** Computes the default answer from the received request (e.g. a partial_success body). */
  volatile Function<Received, Answer> defaultAnswer = r -> Answer.of(200);
  private final HttpServer server;
  private final ExecutorService executor = Executors.newFixedThreadPool(4);

  HttpTestServer() throws IOException {
    this(null, false);
  }

  /** HTTPS with {@code tls}; {@code needClientAuth} requires a client certificate. */
  HttpTestServer(SSLContext tls, boolean needClientAuth) throws IOException {
    InetSocketAddress addr = new InetSocketAddress("127.0.0.1", 0);
    if (tls != null) {
      HttpsServer s = HttpsServer.create(addr, 0);
      s.setHttpsConfigurator(
          new HttpsConfigurator(tls) {
            @Override
            public void configure(HttpsParameters params) {
              javax.net.ssl.SSLParameters p = tls.getDefaultSSLParameters();
              p.setNeedClientAuth(needClientAuth);
              params.setSSLParameters(p);
            }
          });
      server = s;
    } else {
      server = HttpServer.create(addr, 0);
    }
    server.createContext("/", this::handle);
    server.setExecutor(executor);
    server.start();
  }

  String baseUrl() {
    return (server instanceof HttpsServer ? "https" : "http") + "://127.0.0.1:" + server.getAddress().getPort();
  }

  private void handle(HttpExchange ex) throws IOException {
    try (ex) {
      byte[] raw = ex.getRequestBody().readAllBytes();
      byte[] body = raw;
      String enc = ex.getRequestHeaders().getFirst("Content-Encoding");
      if ("gzip".equalsIgnoreCase(enc)) {
        try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(raw))) {
          body = in.readAllBytes();
        }
      }
      Received r = new Received(ex.getRequestURI().getPath(), Map.copyOf(lower(ex)), raw, body);
      received.add(r);
      Answer a = script.pollFirst();
      if (a == null) {
        a = defaultAnswer.apply(r);
      }
      if (a.retryAfter() != null) {
        ex.getResponseHeaders().add("Retry-After", a.retryAfter());
      }
      ex.getResponseHeaders().add("Content-Type", a.contentType() != null ? a.contentType() : "application/x-protobuf");
      byte[] out = a.body();
      ex.sendResponseHeaders(a.status(), out.length == 0 ? -1 : out.length);
      if (out.length > 0) {
        try (OutputStream os = ex.getResponseBody()) {
          os.write(out);
        }
      }
    }
  }

  private static Map<String, List<String>> lower(HttpExchange ex) {
    Map<String, List<String>> m = new java.util.HashMap<>();
    ex.getRequestHeaders().forEach((k, v) -> m.put(k.toLowerCase(java.util.Locale.ROOT), List.copyOf(v)));
    return m;
  }

  @Override
  public void close() {
    server.stop(0);
    executor.shutdownNow();
  }
}
