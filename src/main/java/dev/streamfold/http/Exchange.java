package dev.streamfold.http;

/** Where a {@link RequestHandler} sends its answer to one request. */
@FunctionalInterface
public interface Exchange {
  /** Sends the response; callable from any thread, once (later calls are ignored). */
  void respond(Response response);
}
