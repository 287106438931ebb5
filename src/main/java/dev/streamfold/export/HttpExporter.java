package dev.streamfold.export;

import dev.streamfold.time.Clock;
import com.google.protobuf.InvalidProtocolBufferException;
import dev.streamfold.config.ExporterConfig;
import dev.streamfold.pipeline.Signal;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.zip.GZIPOutputStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * OTLP/HTTP protobuf exporter on {@link HttpClient}: POST to {@code <endpoint>/v1/traces}
 * (logs, metrics likewise) or to the per-signal URL as given, {@code application/x-protobuf},
 * gzip body when {@code compression: gzip}, static headers, TLS from {@code otlp.tls}.
 * 429, 502, 503, 504 and transport errors are retryable, honouring {@code Retry-After}
 * (delta seconds or an HTTP date); 413 is "too large" (the retry step splits the batch); any
 * other non-2xx status is permanent. A 2xx body is read
 * for {@code partial_success}. Thread-safe.
 */
final class HttpExporter implements Exporter {
  private static final Logger LOG = LoggerFactory.getLogger(HttpExporter.class);
  private static final Set<Integer> RETRYABLE = Set.of(429, 502, 503, 504);
  /** Headers HttpClient manages itself or that we set; configured values for them are ignored. */
  private static final Set<String> RESERVED =
      Set.of("connection", "content-length", "expect", "host", "upgrade", "content-type", "content-encoding");

  private final Map<Signal, URI> uris = new EnumMap<>(Signal.class);
  private final Map<String, String> headers = new LinkedHashMap<>();
  private final Duration timeout;
  private final boolean gzip;
  private final Clock clock;
  private final ExecutorService executor;
  private final HttpClient client;

  HttpExporter(ExporterConfig.Otlp cfg, Clock clock) throws IOException, GeneralSecurityException {
    this.timeout = cfg.timeout();
    this.gzip = cfg.compression().equals("gzip");
    this.clock = clock;
    boolean tls = false;
    for (Signal s : Signal.values()) {
      URI u = URI.create(url(cfg, s));
      uris.put(s, u);
      tls |= "https".equalsIgnoreCase(u.getScheme());
    }
    for (Map.Entry<String, String> h : cfg.headers().entrySet()) {
      if (RESERVED.contains(h.getKey().toLowerCase(Locale.ROOT))) {
        LOG.warn("exporter.otlp.headers.{} is managed by the HTTP exporter and is ignored", h.getKey());
      } else {
        headers.put(h.getKey(), h.getValue());
      }
    }
    AtomicInteger n = new AtomicInteger();
    this.executor =
        Executors.newFixedThreadPool(
            2,
            r -> {
              Thread t = new Thread(r, "streamfold-export-http-" + n.incrementAndGet());
              t.setDaemon(true);
              return t;
            });
    HttpClient.Builder b =
        HttpClient.newBuilder().connectTimeout(timeout).executor(executor).followRedirects(HttpClient.Redirect.NEVER);
    if (tls || !cfg.tls().insecure()) {
      b.sslContext(TlsSupport.sslContext(cfg.tls()));
    }
    this.client = b.build();
  }

  /** The per-signal URL as given, else {@code endpoint + /v1/<signal>}. */
  static String url(ExporterConfig.Otlp cfg, Signal s) {
    String specific =
        switch (s) {
          case TRACES -> cfg.tracesEndpoint();
          case LOGS -> cfg.logsEndpoint();
          case METRICS -> cfg.metricsEndpoint();
        };
    if (specific != null && !specific.isBlank()) {
      return specific.strip();
    }
    String base = cfg.endpoint().strip();
    while (base.endsWith("/")) {
      base = base.substring(0, base.length() - 1);
    }
    return base + "/v1/" + s.label();
  }

  URI uri(Signal s) {
    return uris.get(s);
  }

  @Override
  public CompletableFuture<ExportOutcome> export(ExportRequest request) {
    Signal signal = request.signal();
    URI uri = uris.get(signal);
    CompletableFuture<HttpResponse<byte[]>> sent;
    try {
      byte[] body = gzip ? gzip(request.encoded()) : request.encoded();
      HttpRequest.Builder rb =
          HttpRequest.newBuilder(uri)
              .timeout(timeout)
              .header("Content-Type", "application/x-protobuf")
              .header("User-Agent", "streamfold")
              .POST(HttpRequest.BodyPublishers.ofByteArray(body));
      if (!"https".equalsIgnoreCase(uri.getScheme())) {
        rb.version(HttpClient.Version.HTTP_1_1); // no h2c upgrade dance on plaintext
      }
      if (gzip) {
        rb.header("Content-Encoding", "gzip");
      }
      headers.forEach(rb::header);
      sent = client.sendAsync(rb.build(), HttpResponse.BodyHandlers.ofByteArray());
    } catch (IOException | RuntimeException e) {
      return CompletableFuture.completedFuture(ExportOutcome.nonRetryable("http request not sent: " + e));
    }
    CompletableFuture<ExportOutcome> out =
        new CompletableFuture<>() {
          @Override
          public boolean cancel(boolean mayInterruptIfRunning) {
            sent.cancel(true);
            return super.cancel(mayInterruptIfRunning);
          }
        };
    sent.whenComplete((resp, err) -> out.complete(err != null ? failure(err) : response(signal, resp)));
    return out;
  }

  private ExportOutcome response(Signal signal, HttpResponse<byte[]> resp) {
    int code = resp.statusCode();
    if (code >= 200 && code < 300) {
      return OtlpResponses.success(signal, resp.body());
    }
    String msg = "http " + code + errorMessage(resp);
    if (RETRYABLE.contains(code)) {
      return ExportOutcome.retryable(retryAfter(resp.headers().firstValue("Retry-After").orElse(null), clock), msg);
    }
    if (code == 413) {
      return ExportOutcome.tooLarge(msg);
    }
    return ExportOutcome.nonRetryable(msg);
  }

  private static ExportOutcome failure(Throwable err) {
    Throwable t = err instanceof CompletionException && err.getCause() != null ? err.getCause() : err;
    if (t instanceof CancellationException) {
      return ExportOutcome.retryable(null, "http request cancelled");
    }
    if (t instanceof HttpTimeoutException) {
      return ExportOutcome.retryable(null, "http timeout: " + OtlpResponses.clip(t.getMessage()));
    }
    if (t instanceof IOException) {
      return ExportOutcome.retryable(null, "http transport error: " + t.getClass().getSimpleName() + " " + OtlpResponses.clip(t.getMessage()));
    }
    return ExportOutcome.nonRetryable("http client failure: " + t);
  }

  /** ": message" from a google.rpc.Status (protobuf) or text body, or "" when there is none. */
  private static String errorMessage(HttpResponse<byte[]> resp) {
    byte[] body = resp.body();
    if (body == null || body.length == 0) {
      return "";
    }
    String type = resp.headers().firstValue("Content-Type").orElse("").toLowerCase(Locale.ROOT);
    String m;
    if (type.contains("protobuf")) {
      try {
        m = com.google.rpc.Status.parseFrom(body).getMessage();
      } catch (InvalidProtocolBufferException e) {
        m = "";
      }
    } else {
      m = new String(body, 0, Math.min(body.length, 1024), StandardCharsets.UTF_8);
    }
    m = OtlpResponses.clip(m);
    return m.isEmpty() ? "" : ": " + m;
  }

  /** Parses {@code Retry-After}: delta seconds or an HTTP date; {@code null} when absent or invalid. */
  static Duration retryAfter(String value, Clock clock) {
    if (value == null || value.isBlank()) {
      return null;
    }
    String v = value.strip();
    if (v.chars().allMatch(Character::isDigit)) {
      try {
        return Duration.ofSeconds(Long.parseLong(v));
      } catch (NumberFormatException e) {
        return null;
      }
    }
    try {
      ZonedDateTime at = ZonedDateTime.parse(v, DateTimeFormatter.RFC_1123_DATE_TIME);
      Duration d = Duration.between(clock.instant(), at.toInstant());
      return d.isNegative() ? Duration.ZERO : d;
    } catch (DateTimeParseException e) {
      return null;
    }
  }

  static byte[] gzip(byte[] in) throws IOException {
    ByteArrayOutputStream bos = new ByteArrayOutputStream(Math.max(64, in.length / 4));
    try (GZIPOutputStream gz = new GZIPOutputStream(bos, 8192)) {
      gz.write(in);
    }
    return bos.toByteArray();
  }

  @Override
  public String describe() {
    URI u = uris.get(Signal.TRACES);
    return "otlp_http " + u.getScheme() + "://" + u.getHost() + (u.getPort() < 0 ? "" : ":" + u.getPort());
  }

  @Override
  public void close(Duration timeout) {
    executor.shutdown();
    try {
      if (!executor.awaitTermination(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        executor.shutdownNow();
      }
    } catch (InterruptedException e) {
      executor.shutdownNow();
      Thread.currentThread().interrupt();
    }
  }
}
