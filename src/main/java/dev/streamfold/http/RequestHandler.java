package dev.streamfold.http;

/**
 * What an {@link HttpServer} serves. Every method runs on the connection's event loop and must
 * not block.
 */
public interface RequestHandler {
  /**
   * The head of a request arrived. Return a response to answer without reading the body (the
   * server closes the connection after it if a body was on its way), or null to read the body
   * and get {@link #onRequest}.
   */
  Response onHead(Request request);

  /**
   * The whole body arrived. Answer exactly once through {@code exchange}, from any thread; until
   * then the connection reads nothing more.
   */
  void onRequest(Request request, Exchange exchange);

  /**
   * The server turned the request away itself; count it and say how to answer. The server adds
   * {@code Connection: close} when it cannot keep the connection.
   */
  Response refused(Request request, Refusal why);
}
