package dev.streamfold.config;

import dev.streamfold.limiter.HeapBudget;
import java.time.Duration;

/** {@code receivers.otlp}: OTLP/gRPC and OTLP/HTTP receivers (SPEC 1.1, 6). */
public final class ReceiverConfig {
  public Grpc grpc = new Grpc();
  public Http http = new Http();
  public AuthConfig auth = new AuthConfig();
  /** Items (spans + span events + log records + metric points) admitted but not yet processed by the window. */
  /** Default derived from the max heap (limiter.HeapBudget); a value in the file wins. */
  public long maxPendingItems = HeapBudget.maxPendingItems();

  public static final class Grpc {
    public boolean enabled = true;
    public String endpoint = "localhost:4317";
    public int maxRecvMsgSizeMib = 4;
    /** Threads decoding and handing over export calls; 0 = number of cores. */
    public int threads = 0;
    /** Calls waiting for a thread; past it a call gets UNAVAILABLE (retryable). Each holds up to max_recv_msg_size_mib. */
    public int maxQueuedRequests = 64;
    /** HTTP/2 concurrent streams per connection. */
    public int maxConcurrentStreams = 128;
    public TlsConfig tls = new TlsConfig();
  }

  public static final class Http {
    public boolean enabled = true;
    public String endpoint = "localhost:4318";
    public int maxRequestBodySizeMib = 20;
    /** Threads serving HTTP requests; 0 = 2 x cores. */
    public int threads = 0;
    /** Connections with a request waiting for a thread; past it new requests are turned away (connection closed). */
    public int maxQueuedRequests = 256;
    /**
     * Longest time to read one request (headers and body) before the connection is closed, so a
     * slow client cannot hold a thread. JVM-wide (sun.net.httpserver.maxReqTime), applied when the
     * first HTTP server of the process starts unless that property is already set.
     */
    public Duration requestTimeout = Duration.ofSeconds(30);
    public TlsConfig tls = new TlsConfig();
  }

  void validate(Validator v) {
    Validator g = v.section("grpc");
    g.endpoint(grpc.endpoint, "endpoint");
    g.positive(grpc.maxRecvMsgSizeMib, "max_recv_msg_size_mib");
    g.check(grpc.maxRecvMsgSizeMib <= 1024, "max_recv_msg_size_mib", "must be <= 1024, got " + grpc.maxRecvMsgSizeMib);
    g.nonNegative(grpc.threads, "threads");
    g.positive(grpc.maxQueuedRequests, "max_queued_requests");
    g.positive(grpc.maxConcurrentStreams, "max_concurrent_streams");
    grpc.tls.validate(g.section("tls"));
    Validator h = v.section("http");
    h.endpoint(http.endpoint, "endpoint");
    h.positive(http.maxRequestBodySizeMib, "max_request_body_size_mib");
    h.check(http.maxRequestBodySizeMib <= 1024, "max_request_body_size_mib", "must be <= 1024, got " + http.maxRequestBodySizeMib);
    h.nonNegative(http.threads, "threads");
    h.positive(http.maxQueuedRequests, "max_queued_requests");
    h.positive(http.requestTimeout, "request_timeout");
    h.check(http.requestTimeout == null || http.requestTimeout.toSeconds() >= 1, "request_timeout", "must be at least 1s");
    http.tls.validate(h.section("tls"));
    auth.validate(v.section("auth"));
    v.positive(maxPendingItems, "max_pending_items");
  }
}
