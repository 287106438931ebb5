package dev.streamfold.config;

import java.time.Duration;

/** {@code receivers.otlp}: OTLP/gRPC and OTLP/HTTP receivers (SPEC 1.1, 6). Defaults: config/streamfold.yaml. */
public record ReceiverConfig(Grpc grpc, Http http, AuthConfig auth) {

  /**
   * @param threads threads decoding and handing over export calls; 0 = number of cores
   * @param maxQueuedRequests calls waiting for a thread; past it a call gets UNAVAILABLE
   *     (retryable). Each holds up to max_recv_msg_size_mib
   * @param maxConcurrentStreams HTTP/2 concurrent streams per connection
   * @param maxConnections open connections at most; past it a new connection is closed on accept
   *     (clients retry)
   * @param maxConnectionsPerClient open connections from one client address at most
   * @param maxRstFramesPerWindow RST_STREAM frames a client may send per rst_frames_window before
   *     the connection is closed (HTTP/2 rapid reset); 0 = no limit
   * @param permitKeepaliveTime clients pinging more often than this get GOAWAY (too_many_pings)
   * @param permitKeepaliveWithoutCalls whether clients may ping while they have no call in progress
   * @param maxConnectionAge a connection older than this is asked to reconnect (GOAWAY), so load
   *     balancers see new connections; 0 = never
   * @param maxConnectionAgeGrace calls in progress when max_connection_age is reached may finish
   *     within this
   * @param maxConnectionIdle a connection without calls for this long is closed; 0 = never
   */
  public record Grpc(
      boolean enabled,
      String endpoint,
      int maxRecvMsgSizeMib,
      int threads,
      int maxQueuedRequests,
      int maxConcurrentStreams,
      int maxConnections,
      int maxConnectionsPerClient,
      int maxRstFramesPerWindow,
      Duration rstFramesWindow,
      Duration permitKeepaliveTime,
      boolean permitKeepaliveWithoutCalls,
      Duration maxConnectionAge,
      Duration maxConnectionAgeGrace,
      Duration maxConnectionIdle,
      TlsConfig tls) {}

  /**
   * @param threads threads decoding and handing over requests; 0 = number of cores
   * @param maxQueuedRequests requests with a complete body waiting for a thread; past it 503 +
   *     Retry-After
   * @param ioThreads event-loop threads reading and writing connections; 0 = cores, at most 4
   * @param maxConnections open connections at most; past it a connection's request gets 503 +
   *     Retry-After
   * @param maxConnectionsPerClient open connections from one client address at most; past it 503
   *     + Retry-After
   * @param readHeaderTimeout a request's line and headers must arrive within this (from accept,
   *     or from the first byte on a kept-alive connection)
   * @param requestTimeout a request's body must arrive within this after its headers; past it 408
   *     and the connection is closed
   * @param idleTimeout a kept-alive connection with no request in progress is closed after this
   * @param maxHeaderSizeKib request line and headers together at most this; past it 431
   * @param maxBufferedBodyMib request bodies buffered by all connections together at most this;
   *     past it 503 + Retry-After
   * @param h2c also accept HTTP/2 over plaintext with prior knowledge (h2c); TLS connections stay
   *     HTTP/1.1
   */
  public record Http(
      boolean enabled,
      String endpoint,
      int maxRequestBodySizeMib,
      int threads,
      int maxQueuedRequests,
      int ioThreads,
      int maxConnections,
      int maxConnectionsPerClient,
      Duration readHeaderTimeout,
      Duration requestTimeout,
      Duration idleTimeout,
      int maxHeaderSizeKib,
      int maxBufferedBodyMib,
      boolean h2c,
      TlsConfig tls) {}

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
