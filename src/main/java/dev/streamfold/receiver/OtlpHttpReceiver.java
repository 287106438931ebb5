package dev.streamfold.receiver;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsParameters;
import com.sun.net.httpserver.HttpsServer;
import dev.streamfold.config.ReceiverConfig;
import dev.streamfold.otlp.OtlpJson;
import dev.streamfold.pipeline.Component;
import dev.streamfold.pipeline.Ingress;
import dev.streamfold.pipeline.Signal;
import dev.streamfold.telemetry.ReceiverMetrics;
import dev.streamfold.telemetry.Reasons;
import io.grpc.Status;
import io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import dev.streamfold.time.Clock;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * OTLP/HTTP receiver (SPEC 1.1, 6) on the JDK's {@code com.sun.net.httpserver}: {@code POST
 * /v1/traces}, {@code /v1/logs}, {@code /v1/metrics} with {@code application/x-protobuf} (also
 * {@code application/protobuf}) or {@code application/json} (OTLP JSON, hex ids) bodies,
 * optionally {@code Content-Encoding: gzip}.
 *
 * <p>Status mapping: 200 with the Export*ServiceResponse in the request's encoding (partial
 * success for invalid items); 400 malformed body or unknown Content-Encoding; 401 missing /
 * wrong bearer token; 404 unknown path; 405 not POST; 413 body (or gunzipped body) over
 * {@code max_request_body_size_mib}; 415 other content types; 503 with {@code Retry-After} when
 * the ingress refuses or is not ready; 500 when the ingress fails. Error bodies are a
 * {@code google.rpc.Status} in the request's encoding (protobuf unless the request was JSON).
 *
 * <p>Threading and bounds: requests are served by a fixed pool of {@code threads} behind a queue
 * of {@code max_queued_requests} connections (when full, the JDK server closes the new
 * connection). A body is read into memory bounded by the size limit, compressed and
 * decompressed. Reading a request is bounded in time by {@code request_timeout}.
 *
 * <p>Lifecycle: {@link #start()} once, then {@link #shutdown(Duration)} once. Thread-safe.
 */
public final class OtlpHttpReceiver implements Component {
  private static final Logger log = LoggerFactory.getLogger(OtlpHttpReceiver.class);
  private static final long MIB = 1024L * 1024L;
  private static final int BACKLOG = 256;
  static final String PROTOBUF = "application/x-protobuf";
  static final String JSON = "application/json";

  private final ReceiverConfig.Http cfg;
  private final ReceiverConfig rootCfg;
  private final ReceiverMetrics metrics;
  private final ExportHandler handler;
  private final int limitBytes;
  private final AtomicLong failures = new AtomicLong();

  private volatile BearerAuth auth = BearerAuth.disabled();
  private volatile boolean stopping;
  private volatile HttpServer server;
  private BoundedExecutor executor;

  /** @param clock used by validation to reject timestamps too far in the future */
  public OtlpHttpReceiver(ReceiverConfig cfg, Ingress ingress, ReceiverMetrics metrics, Clock clock) {
    this.rootCfg = cfg;
    this.cfg = cfg.http;
    this.metrics = metrics;
    this.handler = new ExportHandler(ingress, metrics, new OtlpValidator(clock));
    this.limitBytes = Math.toIntExact(cfg.http.maxRequestBodySizeMib * MIB);
  }

  /**
   * Binds the endpoint and starts serving.
   *
   * @throws IOException when the port cannot be bound or a TLS / token file cannot be read
   * @throws GeneralSecurityException when the TLS material is invalid
   */
  @Override
  public synchronized void start() throws IOException, GeneralSecurityException {
    if (server != null) {
      throw new IllegalStateException("already started");
    }
    applyRequestTimeout(cfg.requestTimeout);
    InetSocketAddress address = Endpoints.parse(cfg.endpoint);
    auth = BearerAuth.fromConfig(rootCfg.auth);
    ServerTls tls = ServerTls.load(cfg.tls);
    HttpServer s;
    if (tls == null) {
      s = HttpServer.create(address, BACKLOG);
    } else {
      HttpsServer hs = HttpsServer.create(address, BACKLOG);
      SSLContext ctx = tls.sslContext();
      boolean needClientAuth = tls.requireClientAuth();
      hs.setHttpsConfigurator(
          new HttpsConfigurator(ctx) {
            @Override
            public void configure(HttpsParameters params) {
              SSLParameters p = ctx.getDefaultSSLParameters();
              p.setNeedClientAuth(needClientAuth);
              params.setSSLParameters(p);
            }
          });
      s = hs;
    }
    BoundedExecutor pool =
        new BoundedExecutor("otlp-http", threads(cfg.threads), cfg.maxQueuedRequests, metrics);
    s.setExecutor(pool);
    s.createContext("/", this::handle);
    s.start();
    server = s;
    executor = pool;
    log.info(
        "OTLP/HTTP receiver listening on {}:{} (tls={}, client_auth={}, bearer_auth={}, max_request_body_size_mib={})",
        address.getHostString(), s.getAddress().getPort(), tls != null, tls != null && tls.requireClientAuth(),
        auth.enabled(), cfg.maxRequestBodySizeMib);
  }

  /** The bound port (useful with port 0). */
  public int port() {
    var s = server;
    if (s == null) {
      throw new IllegalStateException("not started");
    }
    return s.getAddress().getPort();
  }

  /**
   * Answers new requests 503 (Retry-After, Connection: close), waits up to {@code timeout} for
   * requests in progress and queued to finish, then closes the listening socket and all
   * connections and stops the pool. (The JDK's own {@code HttpServer.stop(delay)} waits the
   * whole delay on Java 17 even when idle, so draining is done here.)
   */
  @Override
  public synchronized void shutdown(Duration timeout) {
    if (server == null || stopping) {
      return;
    }
    long deadline = System.nanoTime() + Math.max(0, timeout.toNanos());
    stopping = true;
    try {
      while ((executor.getActiveCount() > 0 || !executor.getQueue().isEmpty()) && System.nanoTime() < deadline) {
        Thread.sleep(10);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    server.stop(0);
    executor.close(Duration.ofNanos(Math.max(0, deadline - System.nanoTime())));
    log.info("OTLP/HTTP receiver stopped");
  }

  private static int threads(int configured) {
    return configured > 0 ? configured : 2 * Math.max(1, Runtime.getRuntime().availableProcessors());
  }

  /**
   * Bounds the time the JDK HTTP server spends reading one request and writing one response
   * ({@code sun.net.httpserver.maxReqTime} / {@code maxRspTime}), unless those properties are
   * already set. The JDK reads them once, when the first {@code HttpServer} of the JVM is created,
   * so whoever creates one first (metrics or health endpoints too) must call this before; the
   * receiver calls it on start. Idempotent.
   */
  public static synchronized void applyRequestTimeout(Duration timeout) {
    String seconds = Long.toString(Math.max(1, timeout.toSeconds()));
    if (System.getProperty("sun.net.httpserver.maxReqTime") == null) {
      System.setProperty("sun.net.httpserver.maxReqTime", seconds);
    }
    if (System.getProperty("sun.net.httpserver.maxRspTime") == null) {
      System.setProperty("sun.net.httpserver.maxRspTime", seconds);
    }
  }

  // ---- request handling ----

  private void handle(HttpExchange ex) {
    try {
      serve(ex);
    } catch (IOException e) {
      // the client went away or the connection broke mid-request: nothing to answer
      log.debug("OTLP/HTTP connection failed: {}", e.toString());
    } catch (RuntimeException | StackOverflowError e) {
      long n = failures.incrementAndGet();
      if (n == 1 || n % 1000 == 0) {
        log.error("unexpected failure serving {} ({} so far)", ex.getRequestURI().getPath(), n, e);
      }
      try {
        sendStatus(ex, 500, false, Status.Code.INTERNAL, "internal error");
      } catch (IOException | RuntimeException ignored) {
        // response already started or connection gone
      }
    } finally {
      ex.close();
    }
  }

  private void serve(HttpExchange ex) throws IOException {
    Signal signal = signalOf(ex.getRequestURI().getPath());
    Headers headers = ex.getRequestHeaders();
    if (signal == null) {
      sendStatus(ex, 404, false, Status.Code.NOT_FOUND, "unknown path; use /v1/traces, /v1/logs or /v1/metrics");
      return;
    }
    if (stopping) {
      metrics.refused(signal, Reasons.NOT_READY, 1);
      ex.getResponseHeaders().set("Retry-After", "1");
      ex.getResponseHeaders().set("Connection", "close");
      sendStatus(ex, 503, JSON.equals(mediaType(headers.getFirst("Content-Type"))), Status.Code.UNAVAILABLE,
          "shutting down");
      return;
    }
    if (!"POST".equals(ex.getRequestMethod())) {
      ex.getResponseHeaders().set("Allow", "POST");
      if ("HEAD".equals(ex.getRequestMethod())) {
        ex.sendResponseHeaders(405, -1);
        return;
      }
      sendStatus(ex, 405, false, Status.Code.UNIMPLEMENTED, "method not allowed; use POST");
      return;
    }
    String mediaType = mediaType(headers.getFirst("Content-Type"));
    boolean json = JSON.equals(mediaType);
    if (!auth.allows(headers.getFirst("Authorization"))) {
      metrics.refused(signal, Reasons.UNAUTHENTICATED, 1);
      ex.getResponseHeaders().set("WWW-Authenticate", "Bearer");
      sendStatus(ex, 401, json, Status.Code.UNAUTHENTICATED, "missing or invalid bearer token");
      return;
    }
    if (!json && !PROTOBUF.equals(mediaType) && !"application/protobuf".equals(mediaType)) {
      metrics.refused(signal, Reasons.UNSUPPORTED_MEDIA_TYPE, 1);
      sendStatus(ex, 415, false, Status.Code.INVALID_ARGUMENT,
          "unsupported content type; use " + PROTOBUF + " or " + JSON);
      return;
    }
    String encoding = headers.getFirst("Content-Encoding");
    boolean gzip;
    if (encoding == null || encoding.isBlank() || encoding.trim().equalsIgnoreCase("identity")) {
      gzip = false;
    } else if (encoding.trim().equalsIgnoreCase("gzip") || encoding.trim().equalsIgnoreCase("x-gzip")) {
      gzip = true;
    } else {
      metrics.refused(signal, Reasons.MALFORMED, 1);
      sendStatus(ex, 400, json, Status.Code.INVALID_ARGUMENT, "unsupported Content-Encoding; use gzip or none");
      return;
    }
    long declared = contentLength(headers.getFirst("Content-Length"));
    if (declared > limitBytes) {
      tooLarge(ex, signal, json);
      return;
    }
    BodyReader.Body body;
    try {
      body = BodyReader.read(ex.getRequestBody(), gzip, limitBytes, declared);
    } catch (BodyReader.TooLargeException e) {
      tooLarge(ex, signal, json);
      return;
    } catch (BodyReader.BadEncodingException e) {
      metrics.refused(signal, Reasons.MALFORMED, 1);
      sendStatus(ex, 400, json, Status.Code.INVALID_ARGUMENT, e.getMessage());
      return;
    }
    ExportHandler.Reply reply;
    try {
      reply = decodeAndHandle(signal, body, json);
    } catch (InvalidProtocolBufferException | RuntimeException | StackOverflowError e) {
      metrics.refused(signal, Reasons.MALFORMED, 1);
      String why = e instanceof InvalidProtocolBufferException ? e.getMessage() : e.getClass().getSimpleName();
      sendStatus(ex, 400, json, Status.Code.INVALID_ARGUMENT,
          "cannot decode " + signal.label() + " request: " + truncate(why));
      return;
    }
    switch (reply.outcome()) {
      case OK:
        send(ex, 200, json, encode(reply.response(), json));
        break;
      case RETRY:
        Duration after = reply.retryAfter();
        long seconds = Math.max(1, after.getSeconds() + (after.getNano() > 0 ? 1 : 0));
        ex.getResponseHeaders().set("Retry-After", Long.toString(seconds));
        sendStatus(ex, 503, json, Status.Code.UNAVAILABLE, reply.message());
        break;
      case TOO_LARGE:
        sendStatus(ex, 413, json, Status.Code.INVALID_ARGUMENT, reply.message());
        break;
      default:
        sendStatus(ex, 500, json, Status.Code.INTERNAL, reply.message());
    }
  }

  private void tooLarge(HttpExchange ex, Signal signal, boolean json) throws IOException {
    metrics.refused(signal, Reasons.TOO_LARGE, 1);
    // the rest of the body is not read: do not reuse the connection
    ex.getResponseHeaders().set("Connection", "close");
    sendStatus(ex, 413, json, Status.Code.RESOURCE_EXHAUSTED,
        "request body exceeds " + cfg.maxRequestBodySizeMib + " MiB");
  }

  /** Decoding failures propagate; once decoded, a bug is an internal error, not a bad request. */
  private ExportHandler.Reply decodeAndHandle(Signal signal, BodyReader.Body body, boolean json)
      throws InvalidProtocolBufferException {
    switch (signal) {
      case TRACES: {
        ExportTraceServiceRequest req;
        if (json) {
          ExportTraceServiceRequest.Builder b = ExportTraceServiceRequest.newBuilder();
          OtlpJson.merge(text(body), b);
          req = b.build();
        } else {
          req = ExportTraceServiceRequest.parser().parseFrom(body.bytes(), 0, body.length());
        }
        return handleOrFail(signal, () -> handler.traces(req));
      }
      case LOGS: {
        ExportLogsServiceRequest req;
        if (json) {
          ExportLogsServiceRequest.Builder b = ExportLogsServiceRequest.newBuilder();
          OtlpJson.merge(text(body), b);
          req = b.build();
        } else {
          req = ExportLogsServiceRequest.parser().parseFrom(body.bytes(), 0, body.length());
        }
        return handleOrFail(signal, () -> handler.logs(req));
      }
      default: {
        ExportMetricsServiceRequest req;
        if (json) {
          ExportMetricsServiceRequest.Builder b = ExportMetricsServiceRequest.newBuilder();
          OtlpJson.merge(text(body), b);
          req = b.build();
        } else {
          req = ExportMetricsServiceRequest.parser().parseFrom(body.bytes(), 0, body.length());
        }
        return handleOrFail(signal, () -> handler.metrics(req));
      }
    }
  }

  private ExportHandler.Reply handleOrFail(Signal signal, java.util.function.Supplier<ExportHandler.Reply> work) {
    try {
      return work.get();
    } catch (RuntimeException | StackOverflowError e) {
      long n = failures.incrementAndGet();
      if (n == 1 || n % 1000 == 0) {
        log.error("unexpected failure handling a {} request ({} so far)", signal.label(), n, e);
      }
      return ExportHandler.Reply.internal();
    }
  }

  private static String text(BodyReader.Body body) {
    return new String(body.bytes(), 0, body.length(), StandardCharsets.UTF_8);
  }

  private static byte[] encode(Message m, boolean json) {
    return json ? OtlpJson.print(m).getBytes(StandardCharsets.UTF_8) : m.toByteArray();
  }

  private static void sendStatus(HttpExchange ex, int httpCode, boolean json, Status.Code code, String message)
      throws IOException {
    com.google.rpc.Status status =
        com.google.rpc.Status.newBuilder().setCode(code.value()).setMessage(message == null ? "" : message).build();
    send(ex, httpCode, json, encode(status, json));
  }

  private static void send(HttpExchange ex, int code, boolean json, byte[] body) throws IOException {
    ex.getResponseHeaders().set("Content-Type", json ? JSON : PROTOBUF);
    ex.sendResponseHeaders(code, body.length == 0 ? -1 : body.length);
    if (body.length > 0) {
      try (OutputStream out = ex.getResponseBody()) {
        out.write(body);
      }
    }
  }

  static Signal signalOf(String path) {
    if (path == null) {
      return null;
    }
    switch (path) {
      case "/v1/traces":
        return Signal.TRACES;
      case "/v1/logs":
        return Signal.LOGS;
      case "/v1/metrics":
        return Signal.METRICS;
      default:
        return null;
    }
  }

  /** Media type without parameters, lower case; null when absent. */
  static String mediaType(String contentType) {
    if (contentType == null) {
      return null;
    }
    int semi = contentType.indexOf(';');
    String base = semi < 0 ? contentType : contentType.substring(0, semi);
    return base.trim().toLowerCase(Locale.ROOT);
  }

  private static long contentLength(String value) {
    if (value == null) {
      return -1;
    }
    try {
      return Long.parseLong(value.trim());
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  private static String truncate(String s) {
    if (s == null) {
      return "";
    }
    return s.length() <= 200 ? s : s.substring(0, 200) + "...";
  }
}
