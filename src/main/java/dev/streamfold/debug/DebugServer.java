package dev.streamfold.debug;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.streamfold.pipeline.Component;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * Hosts the {@link DebugPage} on {@code service.debug.endpoint} (host:port; port 0 = ephemeral,
 * see {@link #port()}) with the JDK HTTP server on one thread: a debug page has one reader.
 */
public final class DebugServer implements Component {
  private final String host;
  private final int requestedPort;
  private final DebugPage page;
  private HttpServer server;
  private ExecutorService executor;

  public DebugServer(String endpoint, DebugPage page) {
    int i = endpoint.lastIndexOf(':');
    String h = endpoint.substring(0, i);
    this.host = h.startsWith("[") && h.endsWith("]") ? h.substring(1, h.length() - 1) : h;
    this.requestedPort = Integer.parseInt(endpoint.substring(i + 1));
    this.page = page;
  }

  @Override
  public synchronized void start() throws IOException {
    server = HttpServer.create(new InetSocketAddress(host, requestedPort), 8);
    executor = Executors.newSingleThreadExecutor(r -> {
      Thread t = new Thread(r, "streamfold-debug-http");
      t.setDaemon(true);
      return t;
    });
    server.setExecutor(executor);
    server.createContext("/", this::handle);
    server.start();
  }

  /** The bound port; -1 before start. */
  public synchronized int port() {
    return server == null ? -1 : server.getAddress().getPort();
  }

  private void handle(HttpExchange ex) throws IOException {
    try {
      DebugPage.Response r = page.handle(ex.getRequestMethod(), ex.getRequestURI().getPath());
      ex.getResponseHeaders().set("Content-Type", r.contentType());
      ex.getResponseHeaders().set("Cache-Control", "no-store");
      if (ex.getRequestMethod().equals("HEAD")) {
        ex.sendResponseHeaders(r.status(), -1);
        return;
      }
      ex.sendResponseHeaders(r.status(), r.body().length);
      try (OutputStream os = ex.getResponseBody()) {
        os.write(r.body());
      }
    } finally {
      ex.close();
    }
  }

  @Override
  public synchronized void shutdown(Duration timeout) {
    if (server != null) {
      server.stop(0);
      executor.shutdownNow();
      server = null;
    }
  }
}
