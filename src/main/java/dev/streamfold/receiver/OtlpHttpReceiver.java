package dev.streamfold.receiver;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import dev.streamfold.config.ReceiverConfig;
import dev.streamfold.http.ByteBudget;
import dev.streamfold.http.Exchange;
import dev.streamfold.http.HttpOptions;
import dev.streamfold.http.HttpServer;
import dev.streamfold.http.Refusal;
import dev.streamfold.http.Request;
import dev.streamfold.http.RequestHandler;
import dev.streamfold.http.Response;
import dev.streamfold.otlp.OtlpJson;
import dev.streamfold.otlp.OtlpSignal;
import dev.streamfold.pipeline.Component;
import dev.streamfold.pipeline.Ingress;
import dev.streamfold.pipeline.Signal;
import dev.streamfold.telemetry.ReceiverMetrics;
import dev.streamfold.telemetry.Reasons;
import io.grpc.Status;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import dev.streamfold.time.Clock;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * OTLP/HTTP receiver (SPEC 1.1, 6) on the event-driven {@link HttpServer}: {@code POST
 * /v1/traces}, {@code /v1/logs}, {@code /v1/metrics} with {@code application/x-protobuf} (also
 * {@code application/protobuf}) or {@code application/json} (OTLP JSON, hex ids) bodies,
 * optionally {@code Content-Encoding: gzip}.
 *
 * <p>Status mapping: 200 with the Export*ServiceResponse in the request's encoding (partial
 * success for invalid items); 400 malformed body or unknown Content-Encoding; 401 missing /
 * wrong bearer token; 404 unknown path; 405 not POST; 408 body not sent within
 * {@code request_timeout}; 413 body (or gunzipped body) over {@code max_request_body_size_mib};
 * 415 other content types; 503 with {@code Retry-After} when the ingress refuses or is not ready,
 * the decode queue is full, the body buffer budget is spent or the client is over a connection
 * limit; 500 when the ingress fails. Error bodies are a {@code google.rpc.Status} in the request's
 * encoding (protobuf unless the request was JSON). Every refusal is counted in
 * {@code streamfold_refused_total} by signal and reason.
 *
 * <p>Threading: the event loops read heads and bodies (checks that need only the head answer
 * before the body is read); a complete body goes to a pool of {@code threads} behind a queue of
 * {@code max_queued_requests} for gunzip, decode, validation and the hand-over to the ingress.
 *
 * <p>Lifecycle: {@link #start()} once, then {@link #shutdown(Duration)} once. Thread-safe.
 */
public final class OtlpHttpReceiver implements Component {
  private static final Logger log = LoggerFactory.getLogger(OtlpHttpReceiver.class);
  private static final long MIB = 1024L * 1024L;
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
    this.cfg = cfg.http();
    this.metrics = metrics;
    this.handler = new ExportHandler(ingress, metrics, new OtlpValidator(clock));
    this.limitBytes = Math.toIntExact(cfg.http().maxRequestBodySizeMib() * MIB);
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
    InetSocketAddress address = Endpoints.parse(cfg.endpoint());
    auth = BearerAuth.fromConfig(rootCfg.auth());
    ServerTls tls = ServerTls.load(cfg.tls());
    BoundedExecutor pool =
        new BoundedExecutor("otlp-http", BoundedExecutor.threads(cfg.threads()), cfg.maxQueuedRequests(), metrics);
    HttpOptions options = new HttpOptions("otlp-http", ioThreads(cfg.ioThreads()), cfg.maxConnections(),
        cfg.maxConnectionsPerClient(), cfg.readHeaderTimeout(), cfg.requestTimeout(), cfg.idleTimeout(),
        cfg.maxHeaderSizeKib() * 1024, limitBytes, new ByteBudget(cfg.maxBufferedBodyMib() * MIB), cfg.h2c());
    HttpServer s = new HttpServer(options, new Handler(), tls == null ? null : tls.sslContext(),
        tls != null && tls.requireClientAuth());
    executor = pool;
    try {
      s.start(address);
    } catch (IOException | RuntimeException e) {
      pool.close(Duration.ZERO);
      throw e;
    }
    server = s;
    ServerGauges.register(metrics, "otlp-http", s, options.budget());
    log.info(
        "OTLP/HTTP receiver listening on {}:{} (tls={}, client_auth={}, bearer_auth={}, max_request_body_size_mib={}, max_connections={})",
        address.getHostString(), s.port(), tls != null, tls != null && tls.requireClientAuth(),
        auth.enabled(), cfg.maxRequestBodySizeMib(), cfg.maxConnections());
  }

  static int ioThreads(int configured) {
    return configured > 0 ? configured : Math.min(4, Math.max(1, Runtime.getRuntime().availableProcessors()));
  }

  /** The bound port (useful with port 0). */
  public int port() {
    var s = server;
    if (s == null) {
      throw new IllegalStateException("not started");
    }
    return s.port();
  }

  /**
   * Answers new requests 503 (Retry-After, Connection: close), waits up to {@code timeout} for
   * requests in progress and queued to finish, then closes the listening socket and all
   * connections and stops the pool.
   */
  @Override
  public synchronized void shutdown(Duration timeout) {
    if (server == null || stopping) {
      return;
    }
    long deadline = System.nanoTime() + Math.max(0, timeout.toNanos());
    stopping = true;
    server.closeConnectionsAfterAnswer();
    try {
      while (server.inFlight() > 0 && System.nanoTime() < deadline) {
        Thread.sleep(10);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    server.close();
    executor.close(Duration.ofNanos(Math.max(0, deadline - System.nanoTime())));
    log.info("OTLP/HTTP receiver stopped");
  }

  // ---- request handling ----

  /** Head checks and hand-over to the pool, on the event loop. */
  private final class Handler implements RequestHandler {
    @Override
    public Response onHead(Request req) {
      Signal signal = signalOf(req.path());
      if (signal == null) {
        return status(404, false, Status.Code.NOT_FOUND, "unknown path; use /v1/traces, /v1/logs or /v1/metrics");
      }
      boolean json = JSON.equals(mediaType(req.header("Content-Type")));
      if (stopping) {
        metrics.refused(signal, Reasons.NOT_READY, 1);
        return status(503, json, Status.Code.UNAVAILABLE, "shutting down").header("Retry-After", "1").close();
      }
      if (!"POST".equals(req.method())) {
        if ("HEAD".equals(req.method())) {
          return Response.empty(405).header("Allow", "POST");
        }
        return status(405, false, Status.Code.UNIMPLEMENTED, "method not allowed; use POST").header("Allow", "POST");
      }
      if (!auth.allows(req.header("Authorization"))) {
        metrics.refused(signal, Reasons.UNAUTHENTICATED, 1);
        return status(401, json, Status.Code.UNAUTHENTICATED, "missing or invalid bearer token")
            .header("WWW-Authenticate", "Bearer");
      }
      String mediaType = mediaType(req.header("Content-Type"));
      if (!json && !PROTOBUF.equals(mediaType) && !"application/protobuf".equals(mediaType)) {
        metrics.refused(signal, Reasons.UNSUPPORTED_MEDIA_TYPE, 1);
        return status(415, false, Status.Code.INVALID_ARGUMENT,
            "unsupported content type; use " + PROTOBUF + " or " + JSON);
      }
      if (gzip(req) == null) {
        metrics.refused(signal, Reasons.MALFORMED, 1);
        return status(400, json, Status.Code.INVALID_ARGUMENT, "unsupported Content-Encoding; use gzip or none");
      }
      if (contentLength(req.header("Content-Length")) > limitBytes) {
        return tooLarge(signal, json);
      }
      return null;
    }

    @Override
    public void onRequest(Request req, Exchange exchange) {
      try {
        executor.execute(() -> exchange.respond(process(req)));
      } catch (RejectedExecutionException e) {
        Signal signal = signalOf(req.path());
        metrics.refused(signal, Reasons.BACKPRESSURE, 1);
        exchange.respond(retryLater(isJson(req), "receiver busy, retry later", ExportHandler.DEFAULT_RETRY_AFTER));
      }
    }

    @Override
    public Response refused(Request req, Refusal why) {
      Signal signal = signalOf(req.path());
      boolean json = isJson(req);
      switch (why) {
        case TOO_LARGE:
          return signal == null ? Response.empty(413) : tooLarge(signal, json);
        case BODY_TIMEOUT:
          count(signal, Reasons.REQUEST_TIMEOUT);
          return status(408, json, Status.Code.DEADLINE_EXCEEDED,
              "request body not received within " + cfg.requestTimeout());
        case BUFFER_FULL:
          count(signal, Reasons.BACKPRESSURE);
          return retryLater(json, "receiver buffers full, retry later", ExportHandler.DEFAULT_RETRY_AFTER);
        default:
          count(signal, Reasons.TOO_MANY_CONNECTIONS);
          return retryLater(json, "too many connections, retry later", ExportHandler.DEFAULT_RETRY_AFTER);
      }
    }

    private void count(Signal signal, String reason) {
      if (signal != null) {
        metrics.refused(signal, reason, 1);
      }
    }
  }

  /** On the pool: gunzip, decode, validate, hand over; never throws. */
  private Response process(Request req) {
    Signal signal = signalOf(req.path());
    boolean json = isJson(req);
    try {
      BodyReader.Body body;
      try {
        body = BodyReader.read(new ByteArrayInputStream(req.body(), 0, req.length()), gzip(req), limitBytes, req.length());
      } catch (BodyReader.TooLargeException e) {
        return tooLarge(signal, json);
      } catch (BodyReader.BadEncodingException e) {
        metrics.refused(signal, Reasons.MALFORMED, 1);
        return status(400, json, Status.Code.INVALID_ARGUMENT, e.getMessage());
      }
      ExportHandler.Reply reply;
      try {
        reply = decodeAndHandle(OtlpSignal.of(signal), body, json);
      } catch (InvalidProtocolBufferException | RuntimeException | StackOverflowError e) {
        metrics.refused(signal, Reasons.MALFORMED, 1);
        String why = e instanceof InvalidProtocolBufferException ? e.getMessage() : e.getClass().getSimpleName();
        return status(400, json, Status.Code.INVALID_ARGUMENT,
            "cannot decode " + signal.label() + " request: " + truncate(why));
      }
      switch (reply.outcome()) {
        case OK:
          return new Response(200, json ? JSON : PROTOBUF, encode(reply.response(), json));
        case RETRY:
          return retryLater(json, reply.message(), reply.retryAfter());
        case TOO_LARGE:
          // larger than the pipeline could ever take: 413 is not retried by OTLP/HTTP clients
          return status(413, json, Status.Code.INVALID_ARGUMENT, reply.message());
        default:
          return status(500, json, Status.Code.INTERNAL, reply.message());
      }
    } catch (IOException | RuntimeException | StackOverflowError e) {
      long n = failures.incrementAndGet();
      if (n == 1 || n % 1000 == 0) {
        log.error("unexpected failure serving {} ({} so far)", req.path(), n, e);
      }
      return status(500, json, Status.Code.INTERNAL, "internal error");
    }
  }

  private Response tooLarge(Signal signal, boolean json) {
    metrics.refused(signal, Reasons.TOO_LARGE, 1);
    // the rest of the body is not read: do not reuse the connection
    return status(413, json, Status.Code.RESOURCE_EXHAUSTED,
        "request body exceeds " + cfg.maxRequestBodySizeMib() + " MiB").close();
  }

  /** Decoding failures propagate; once decoded, a bug is an internal error, not a bad request. */
  private <Req> ExportHandler.Reply decodeAndHandle(OtlpSignal<Req, ?, ?, ?, ?> sig, BodyReader.Body body, boolean json)
      throws InvalidProtocolBufferException {
    Req request = RequestDecoder.decode(sig, body.bytes(), 0, body.length(), json);
    return handleOrFail(sig.signal(), () -> handler.handle(sig, request));
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

  private static byte[] encode(Message m, boolean json) {
    return json ? OtlpJson.print(m).getBytes(StandardCharsets.UTF_8) : m.toByteArray();
  }

  private static Response status(int httpCode, boolean json, Status.Code code, String message) {
    com.google.rpc.Status status =
        com.google.rpc.Status.newBuilder().setCode(code.value()).setMessage(message == null ? "" : message).build();
    return new Response(httpCode, json ? JSON : PROTOBUF, encode(status, json));
  }

  private static Response retryLater(boolean json, String message, Duration after) {
    long seconds = Math.max(1, after.getSeconds() + (after.getNano() > 0 ? 1 : 0));
    return status(503, json, Status.Code.UNAVAILABLE, message).header("Retry-After", Long.toString(seconds));
  }

  /** True for gzip, false for identity, null for an encoding not supported. */
  private static Boolean gzip(Request req) {
    String encoding = req.header("Content-Encoding");
    if (encoding == null || encoding.isBlank() || encoding.trim().equalsIgnoreCase("identity")) {
      return false;
    }
    if (encoding.trim().equalsIgnoreCase("gzip") || encoding.trim().equalsIgnoreCase("x-gzip")) {
      return true;
    }
    return null;
  }

  private static boolean isJson(Request req) {
    return JSON.equals(mediaType(req.header("Content-Type")));
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
