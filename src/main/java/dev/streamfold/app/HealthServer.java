package dev.streamfold.app;

import dev.streamfold.http.HttpOptions;
import dev.streamfold.http.HttpServer;
import dev.streamfold.http.Request;
import dev.streamfold.http.ProbeHandler;
import dev.streamfold.http.Response;
import dev.streamfold.pipeline.Component;
import dev.streamfold.time.Clock;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.function.BooleanSupplier;

/**
 * Health endpoint (SPEC 6): {@code /health/live} answers 200 while the process serves (also
 * while draining), {@code /health/ready} answers 200 when accepting data and 503 while starting
 * or draining. {@code /health} is an alias of ready, and {@code /} answers like the collector's
 * health_check extension ({@code {"status":"Server available","upSince":...,"uptime":...}}, 200
 * when ready, 503 otherwise), so probes written for the collector work unchanged.
 *
 * <p>Served by the event-driven {@link HttpServer} on its own event loop, answered on it without
 * blocking: a slow or flooding client on this port costs a socket and a timer, never the loop
 * other probes need. Thread-safe.
 */
final class HealthServer implements Component {
  private static final String JSON = "application/json";

  private final InetSocketAddress address;
  private final BooleanSupplier ready;
  private final Clock clock;
  private final Instant upSince;
  private final long upSinceNanos;
  private HttpServer server;

  HealthServer(String endpoint, BooleanSupplier ready) {
    this(endpoint, ready, Clock.SYSTEM);
  }

  HealthServer(String endpoint, BooleanSupplier ready, Clock clock) {
    int i = endpoint.lastIndexOf(':');
    String host = endpoint.substring(0, i);
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    }
    this.address = new InetSocketAddress(host, Integer.parseInt(endpoint.substring(i + 1)));
    this.ready = ready;
    this.clock = clock;
    this.upSince = Instant.ofEpochMilli(clock.epochMillis());
    this.upSinceNanos = clock.nanos();
  }

  @Override
  public synchronized void start() throws IOException {
    HttpServer s = new HttpServer(HttpOptions.probes("health"), new Handler(), null, false);
    s.start(address);
    server = s;
  }

  int port() {
    return server.port();
  }

  private final class Handler implements ProbeHandler {
    @Override
    public Response onHead(Request req) {
      if (!req.method().equals("GET") && !req.method().equals("HEAD")) {
        return Response.empty(405).header("Allow", "GET, HEAD");
      }
      switch (req.path()) {
        case "/":
          return collectorStyle(ready.getAsBoolean());
        case "/health/live":
          return status(true, "live");
        case "/health":
        case "/health/":
        case "/health/ready":
          return status(ready.getAsBoolean(), "ready");
        default:
          return Response.empty(404);
      }
    }

  }

  private static Response status(boolean ok, String what) {
    return json(ok, "{\"status\":\"" + (ok ? what : "not " + what) + "\"}\n");
  }

  private Response collectorStyle(boolean ok) {
    return json(ok, "{\"status\":\"Server " + (ok ? "available" : "not available") + "\",\"upSince\":\""
        + upSince + "\",\"uptime\":\"" + Duration.ofNanos(clock.nanos() - upSinceNanos) + "\"}\n");
  }

  private static Response json(boolean ok, String body) {
    return new Response(ok ? 200 : 503, JSON, body.getBytes(StandardCharsets.UTF_8));
  }

  @Override
  public synchronized void shutdown(Duration timeout) {
    if (server != null) {
      server.close();
      server = null;
    }
  }
}
