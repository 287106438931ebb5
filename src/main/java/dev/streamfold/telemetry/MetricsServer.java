package dev.streamfold.telemetry;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
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
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import java.util.zip.GZIPOutputStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves {@code GET /metrics} on {@code telemetry.prometheus.endpoint} (host:port, port 0 =
 * ephemeral, see {@link #port()}). Content negotiation: an {@code Accept} header naming
 * {@code application/openmetrics-text} gets OpenMetrics 1.0 (with exemplars), anything else the
 * Prometheus text format 0.0.4; {@code Accept-Encoding: gzip} is honoured. Scrapes run on at
 * most two threads with a queue of 16; past that the accepting thread serves the request
 * itself, which slows accepting rather than queueing without bound.
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
  private volatile ThreadPoolExecutor executor;

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
    HttpServer s = HttpServer.create(new InetSocketAddress(host, requestedPort), 16);
    AtomicInteger n = new AtomicInteger();
    ThreadPoolExecutor ex = new ThreadPoolExecutor(
        1, 2, 60, TimeUnit.SECONDS, new ArrayBlockingQueue<>(16),
        r -> {
          Thread t = new Thread(r, "streamfold-metrics-http-" + n.incrementAndGet());
          t.setDaemon(true);
          return t;
        },
        new ThreadPoolExecutor.CallerRunsPolicy());
    s.setExecutor(ex);
    s.createContext("/", this::handle);
    s.start();
    executor = ex;
    server = s;
    log.info("metrics endpoint listening on http://{}:{}{}", host, port(), PATH);
  }

  /** The bound port (the ephemeral one when configured with port 0); -1 before start. */
  public int port() {
    HttpServer s = server;
    return s == null ? -1 : s.getAddress().getPort();
  }

  @Override
  public synchronized void shutdown(Duration timeout) {
    HttpServer s = server;
    if (s == null) {
      return;
    }
    server = null;
    // a scrape in flight is cut off; the scraper retries at its next interval
    s.stop(0);
    executor.shutdownNow();
  }

  private void handle(HttpExchange ex) throws IOException {
    try {
      String method = ex.getRequestMethod();
      boolean head = method.equals("HEAD");
      if (!method.equals("GET") && !head) {
        ex.getResponseHeaders().set("Allow", "GET, HEAD");
        ex.sendResponseHeaders(405, -1);
        return;
      }
      if (!ex.getRequestURI().getPath().equals(PATH)) {
        ex.sendResponseHeaders(404, -1);
        return;
      }
      ExpositionFormatWriter writer = writerFor(ex.getRequestHeaders().getFirst("Accept"));
      boolean gzip = acceptsGzip(ex.getRequestHeaders().getFirst("Accept-Encoding"));
      ByteArrayOutputStream body = new ByteArrayOutputStream(16 * 1024);
      try {
        MetricSnapshots snapshots = registry.scrape(include);
        try (OutputStream out = gzip ? new GZIPOutputStream(body) : body) {
          writer.write(out, snapshots);
        }
      } catch (RuntimeException e) {
        log.warn("metrics scrape failed", e);
        ex.sendResponseHeaders(500, -1);
        return;
      }
      ex.getResponseHeaders().set("Content-Type", writer.getContentType());
      if (gzip) {
        ex.getResponseHeaders().set("Content-Encoding", "gzip");
      }
      if (head) {
        ex.sendResponseHeaders(200, -1);
        return;
      }
      ex.sendResponseHeaders(200, body.size());
      body.writeTo(ex.getResponseBody());
    } finally {
      ex.close();
    }
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
