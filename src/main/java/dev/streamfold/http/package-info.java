/**
 * The event-driven HTTP/1.1 server behind the OTLP/HTTP receiver, the health endpoint and the
 * metrics endpoint, on the Netty that grpc-netty-shaded already carries
 * ({@code io.grpc.netty.shaded.io.netty}): no thread is held by a connection, slow clients are cut
 * off by per-connection timers, connections are bounded in total and per client address, and
 * bodies are buffered against one byte budget per server.
 *
 * <p>{@link dev.streamfold.http.HttpServer} binds and owns the event loops;
 * {@link dev.streamfold.http.ConnectionHandler} is the per-connection state machine (headers,
 * body, processing, idle, lingering close); {@link dev.streamfold.http.RequestHandler} is what a
 * server serves. {@link dev.streamfold.http.ConnectionLimiter} and
 * {@link dev.streamfold.http.LimitedServerChannel} bound connections for this server and for the
 * gRPC receiver.
 */
package dev.streamfold.http;
