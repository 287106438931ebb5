package dev.streamfold.http;

import java.time.Duration;

/**
 * Limits of one {@link HttpServer}.
 *
 * @param name thread and log name
 * @param ioThreads event-loop threads for connections (> 0)
 * @param maxConnections connections served at once; past it a connection's first request gets
 *     503 + Retry-After, and past a further quarter the connection is closed on accept
 * @param maxConnectionsPerClient the same bound per client address
 * @param headerTimeout a request's head must arrive within this, counted from the connection's
 *     accept or from the first byte of a further request on a kept-alive connection
 * @param bodyTimeout a request's body must arrive within this after its head
 * @param idleTimeout a kept-alive connection with no request in progress is closed after this
 * @param maxHeaderBytes request line and headers, together, at most this; past it 431
 * @param maxBodyBytes a body (as sent on the wire) at most this; past it 413
 * @param budget buffered bodies of all connections together at most this; past it 503
 * @param h2c also serve HTTP/2 over plaintext with prior knowledge ({@link H2cDetector})
 */
public record HttpOptions(
    String name,
    int ioThreads,
    int maxConnections,
    int maxConnectionsPerClient,
    Duration headerTimeout,
    Duration bodyTimeout,
    Duration idleTimeout,
    int maxHeaderBytes,
    int maxBodyBytes,
    ByteBudget budget,
    boolean h2c) {

  /** How long a closing connection's unread input is drained so the client reads the answer, not a reset. */
  static final Duration LINGER = Duration.ofSeconds(2);

  /** Limits for a small GET-only endpoint (health, metrics): one event loop, no bodies. */
  public static HttpOptions probes(String name) {
    return new HttpOptions(name, 1, 256, 64, Duration.ofSeconds(5), Duration.ofSeconds(5),
        Duration.ofSeconds(60), 16 * 1024, 0, new ByteBudget(64 * 1024), false);
  }
}
