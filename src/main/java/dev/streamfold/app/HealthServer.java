package dev.streamfold.app;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.streamfold.pipeline.Component;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.BooleanSupplier;

/**
 * Health endpoint (SPEC 6): {@code /health/live} answers 200 while the process serves (also
 * while draining), {@code /health/ready} answers 200 when accepting data and 503 while starting
 * or draining. {@code /health} is an alias of ready, as the collector's health_check extension
 * answers on its root path. Thread-safe.
 */
final class HealthServer implements Component {
  private final String host;
  private final int port;
  private final BooleanSupplier ready;
  private HttpServer server;
  private ExecutorService executor;

  HealthServer(String endpoint, BooleanSupplier ready) {
    int i = endpoint.lastIndexOf(':');
    this.host = endpoint.substring(0, i);
    this.port = Integer.parseInt(endpoint.substring(i + 1));
    this.ready = ready;
  }

  @Override
  public void start() throws IOException {
    server = HttpServer.create(new InetSocketAddress(host, port), 16);
    executor = Executors.newFixedThreadPool(2, r -> {
      Thread t = new Thread(r, "streamfold-health");
      t.setDaemon(true);
      return t;
    });
    server.setExecutor(executor);
    server.createContext("/health/live", ex -> respond(ex, true, "live"));
    server.createContext("/health/ready", ex -> respond(ex, ready.getAsBoolean(), "ready"));
    server.createContext("/health", ex -> {
      if (ex.getRequestURI().getPath().equals("/health") || ex.getRequestURI().getPath().equals("/health/")) {
        respond(ex, ready.getAsBoolean(), "ready");
      } else {
        ex.sendResponseHeaders(404, -1);
        ex.close();
      }
    });
    server.start();
  }

  int port() {
    return server.getAddress().getPort();
  }

  private static void respond(HttpExchange ex, boolean ok, String what) throws IOException {
    byte[] body = ("{\"status\":\"" + (ok ? what : "not " + what) + "\"}\n").getBytes(StandardCharsets.UTF_8);
    ex.getResponseHeaders().set("Content-Type", "application/json");
    if (ex.getRequestMethod().equals("HEAD")) {
      ex.sendResponseHeaders(ok ? 200 : 503, -1);
    } else {
      ex.sendResponseHeaders(ok ? 200 : 503, body.length);
      try (OutputStream os = ex.getResponseBody()) {
        os.write(body);
      }
    }
    ex.close();
  }

  @Override
  public void shutdown(Duration timeout) {
    if (server != null) {
      server.stop(0);
      executor.shutdownNow();
    }
  }
}
