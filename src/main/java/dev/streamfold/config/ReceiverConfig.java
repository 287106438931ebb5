package dev.streamfold.config;

import java.time.Duration;

/** {@code receivers.otlp}: OTLP/gRPC and OTLP/HTTP receivers (SPEC 1.1, 6). */
public final class ReceiverConfig {
  public Grpc grpc = new Grpc();
  public Http http = new Http();
  public AuthConfig auth = new AuthConfig();

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
    /** Open connections at most; past it a new connection is closed on accept (clients retry). */
    public int maxConnections = 1024;
    /** Open connections from one client address at most. */
    public int maxConnectionsPerClient = 256;
    /** RST_STREAM frames a client may send per rst_frames_window before the connection is closed (HTTP/2 rapid reset); 0 = no limit. */
    public int maxRstFramesPerWindow = 200;
    public Duration rstFramesWindow = Duration.ofSeconds(10);
    /** Clients pinging more often than this get GOAWAY (too_many_pings). */
    public Duration permitKeepaliveTime = Duration.ofSeconds(10);
    /** Whether clients may ping while they have no call in progress. */
    public boolean permitKeepaliveWithoutCalls = true;
    /** A connection older than this is asked to reconnect (GOAWAY), so load balancers see new connections; 0 = never. */
    public Duration maxConnectionAge = Duration.ZERO;
    /** Calls in progress when max_connection_age is reached may finish within this. */
    public Duration maxConnectionAgeGrace = Duration.ofSeconds(30);
    /** A connection without calls for this long is closed; 0 = never. */
    public Duration maxConnectionIdle = Duration.ZERO;
    public TlsConfig tls = new TlsConfig();
  }

  public static final class Http {
    public boolean enabled = true;
    public String endpoint = "localhost:4318";
    public int maxRequestBodySizeMib = 20;
    /** Threads decoding and handing over requests; 0 = number of cores. */
    public int threads = 0;
    /** Requests with a complete body waiting for a thread; past it 503 + Retry-After. */
    public int maxQueuedRequests = 256;
    /** Event-loop threads reading and writing connections; 0 = cores, at most 4. */
    public int ioThreads = 0;
    /** Open connections at most; past it a connection's request gets 503 + Retry-After. */
    public int maxConnections = 1024;
    /** Open connections from one client address at most; past it 503 + Retry-After. */
    public int maxConnectionsPerClient = 256;
    /** A request's line and headers must arrive within this (from accept, or from the first byte on a kept-alive connection). */
    public Duration readHeaderTimeout = Duration.ofSeconds(10);
    /** A request's body must arrive within this after its headers; past it 408 and the connection is closed. */
    public Duration requestTimeout = Duration.ofSeconds(30);
    /** A kept-alive connection with no request in progress is closed after this. */
    public Duration idleTimeout = Duration.ofSeconds(60);
    /** Request line and headers together at most this; past it 431. */
    public int maxHeaderSizeKib = 32;
    /** Request bodies buffered by all connections together at most this; past it 503 + Retry-After. */
    public int maxBufferedBodyMib = 256;
    /** Also accept HTTP/2 over plaintext with prior knowledge (h2c); TLS connections stay HTTP/1.1. */
    public boolean h2c = false;
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
    g.positive(grpc.maxConnections, "max_connections");
    g.positive(grpc.maxConnectionsPerClient, "max_connections_per_client");
    g.nonNegative(grpc.maxRstFramesPerWindow, "max_rst_frames_per_window");
    g.positive(grpc.rstFramesWindow, "rst_frames_window");
    g.check(grpc.rstFramesWindow == null || grpc.rstFramesWindow.toSeconds() >= 1, "rst_frames_window", "must be at least 1s");
    g.positive(grpc.permitKeepaliveTime, "permit_keepalive_time");
    g.nonNegative(grpc.maxConnectionAge, "max_connection_age");
    g.check(grpc.maxConnectionAge == null || grpc.maxConnectionAge.isZero() || grpc.maxConnectionAge.toSeconds() >= 1,
        "max_connection_age", "must be 0 (never) or at least 1s");
    g.nonNegative(grpc.maxConnectionAgeGrace, "max_connection_age_grace");
    g.nonNegative(grpc.maxConnectionIdle, "max_connection_idle");
    g.check(grpc.maxConnectionIdle == null || grpc.maxConnectionIdle.isZero() || grpc.maxConnectionIdle.toSeconds() >= 1,
        "max_connection_idle", "must be 0 (never) or at least 1s");
    grpc.tls.validate(g.section("tls"));
    Validator h = v.section("http");
    h.endpoint(http.endpoint, "endpoint");
    h.positive(http.maxRequestBodySizeMib, "max_request_body_size_mib");
    h.check(http.maxRequestBodySizeMib <= 1024, "max_request_body_size_mib", "must be <= 1024, got " + http.maxRequestBodySizeMib);
    h.nonNegative(http.threads, "threads");
    h.positive(http.maxQueuedRequests, "max_queued_requests");
    h.nonNegative(http.ioThreads, "io_threads");
    h.positive(http.maxConnections, "max_connections");
    h.positive(http.maxConnectionsPerClient, "max_connections_per_client");
    h.positive(http.readHeaderTimeout, "read_header_timeout");
    h.positive(http.requestTimeout, "request_timeout");
    h.positive(http.idleTimeout, "idle_timeout");
    h.check(http.maxHeaderSizeKib >= 1 && http.maxHeaderSizeKib <= 1024, "max_header_size_kib",
        "must be 1-1024, got " + http.maxHeaderSizeKib);
    h.check(http.maxBufferedBodyMib >= http.maxRequestBodySizeMib, "max_buffered_body_mib",
        "must be >= max_request_body_size_mib (" + http.maxRequestBodySizeMib + "), or no request of the largest size could ever be read; got "
            + http.maxBufferedBodyMib);
    http.tls.validate(h.section("tls"));
    auth.validate(v.section("auth"));
  }
}
