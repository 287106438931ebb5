package dev.streamfold.telemetry;

import dev.streamfold.http.HttpOptions;
import dev.streamfold.http.HttpServer;
import dev.streamfold.http.Request;
import dev.streamfold.http.ProbeHandler;
import dev.streamfold.http.Response;
import dev.streamfold.pipeline.Component;
import io.prometheus.metrics.expositionformats.ExpositionFormatWriter;
import io.prometheus.metrics.expositionformats.ExpositionFormats;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Locale;
import java.util.function.Predicate;
import java.util.zip.GZIPOutputStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves {@code GET /metrics} on {@code telemetry.prometheus.endpoint} (host:port, port 0 =
 * ephemeral, see {@link #port()}). Content negotiation: an {@code Accept} header naming
 * {@code application/openmetrics-text} gets OpenMetrics 1.0 (with exemplars), anything else the
 * Prometheus text format 0.0.4; {@code Accept-Encoding: gzip} is honoured. Served by the
 * event-driven {@link HttpServer} on its own event loop (scrapes run on it, one at a time), so a
 * slow or flooding client here never touches the receivers or the health endpoint.
 */
public final class MetricsServer implements Component {
  private static final Logger log = LoggerFactory.getLogger(MetricsServer.class);
  static final String PATH = "/metrics";

  private final String host;
  private final int requestedPort;
  private final PrometheusRegistry registry;
  private final Predicate<String> include;
  private final ExpositionFormats formats;
  private volatile HttpServer server;

  MetricsServer(String endpoint, PrometheusRegistry registry, Predicate<String> include, ExpositionFormats formats) {
    int i = endpoint.lastIndexOf(':');
    String h = endpoint.substring(0, i);
    if (h.startsWith("[") && h.endsWith("]")) {
      h = h.substring(1, h.length() - 1);
    }
    this.host = h;
    this.requestedPort = Integer.parseInt(endpoint.substring(i + 1));
    this.registry = registry;
    this.include = include;
    this.formats = formats;
  }

  @Override
  public synchronized void start() throws IOException {
    if (server != null) {
      return;
    }
    HttpServer s = new HttpServer(HttpOptions.probes("metrics-http"), new Handler(), null, false);
    s.start(new InetSocketAddress(host, requestedPort));
    server = s;
    log.info("metrics endpoint listening on http://{}:{}{}", host, port(), PATH);
  }

  /** The bound port (the ephemeral one when configured with port 0); -1 before start. */
  public int port() {
    HttpServer s = server;
    return s == null ? -1 : s.port();
  }

  @Override
  public synchronized void shutdown(Duration timeout) {
    HttpServer s = server;
    if (s == null) {
      return;
    }
    server = null;
    // a scrape in flight is cut off; the scraper retries at its next interval
    s.close();
  }

  private final class Handler implements ProbeHandler {
    @Override
    public Response onHead(Request req) {
      String method = req.method();
      if (!method.equals("GET") && !method.equals("HEAD")) {
        return Response.empty(405).header("Allow", "GET, HEAD");
      }
      if (!req.path().equals(PATH)) {
        return Response.empty(404);
      }
      return scrape(req);
    }

  }

  private Response scrape(Request req) {
    ExpositionFormatWriter writer = writerFor(req.header("Accept"));
    boolean gzip = acceptsGzip(req.header("Accept-Encoding"));
    ByteArrayOutputStream body = new ByteArrayOutputStream(16 * 1024);
    try {
      MetricSnapshots snapshots = registry.scrape(include);
      try (OutputStream out = gzip ? new GZIPOutputStream(body) : body) {
        writer.write(out, snapshots);
      }
    } catch (IOException | RuntimeException e) {
      log.warn("metrics scrape failed", e);
      return Response.empty(500);
    }
    Response r = new Response(200, writer.getContentType(), body.toByteArray());
    return gzip ? r.header("Content-Encoding", "gzip") : r;
  }

  ExpositionFormatWriter writerFor(String accept) {
    if (accept != null && accept.toLowerCase(Locale.ROOT).contains("application/openmetrics-text")) {
      return formats.getOpenMetricsTextFormatWriter();
    }
    return formats.getPrometheusTextFormatWriter();
  }

  private static boolean acceptsGzip(String acceptEncoding) {
    return acceptEncoding != null && acceptEncoding.toLowerCase(Locale.ROOT).contains("gzip");
  }
}
