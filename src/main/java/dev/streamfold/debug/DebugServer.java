package dev.streamfold.debug;

import dev.streamfold.http.HttpOptions;
import dev.streamfold.http.HttpServer;
import dev.streamfold.http.Request;
import dev.streamfold.http.ProbeHandler;
import dev.streamfold.http.Response;
import dev.streamfold.pipeline.Component;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;

/**
 * Hosts the {@link DebugPage} on {@code service.debug.endpoint} (host:port; port 0 = ephemeral,
 * see {@link #port()}) with the event-driven {@link HttpServer} on its own event loop, like the
 * metrics endpoint: a page render (bounded by the page's own bounds) never touches the receivers.
 */
public final class DebugServer implements Component {
  private final InetSocketAddress address;
  private final DebugPage page;
  private volatile HttpServer server;

  public DebugServer(String endpoint, DebugPage page) {
    int i = endpoint.lastIndexOf(':');
    String h = endpoint.substring(0, i);
    if (h.startsWith("[") && h.endsWith("]")) {
      h = h.substring(1, h.length() - 1);
    }
    this.address = new InetSocketAddress(h, Integer.parseInt(endpoint.substring(i + 1)));
    this.page = page;
  }

  @Override
  public synchronized void start() throws IOException {
    if (server != null) {
      return;
    }
    HttpServer s = new HttpServer(HttpOptions.probes("debug-http"), new Handler(), null, false);
    s.start(address);
    server = s;
  }

  /** The bound port; -1 before start. */
  public int port() {
    HttpServer s = server;
    return s == null ? -1 : s.port();
  }

  private final class Handler implements ProbeHandler {
    @Override
    public Response onHead(Request req) {
      DebugPage.Response r = page.handle(req.method(), req.path());
      Response out = new Response(r.status(), r.contentType(), r.body()).header("Cache-Control", "no-store");
      return r.status() == 405 ? out.header("Allow", "GET, HEAD") : out;
    }

  }

  @Override
  public synchronized void shutdown(Duration timeout) {
    HttpServer s = server;
    if (s != null) {
      server = null;
      s.close();
    }
  }
}
