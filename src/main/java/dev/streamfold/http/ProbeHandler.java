package dev.streamfold.http;

/**
 * A handler that answers every request from its head alone (health, metrics, the debug page: GET
 * and HEAD, no bodies). Refusals by the server (too large, too many connections, overload) are a
 * bodiless 413 or 503 with {@code Retry-After}, so a probe never sees a reset.
 */
public interface ProbeHandler extends RequestHandler {
  @Override
  default void onRequest(Request request, Exchange exchange) {
    // onHead answers every request: reaching here is a bug in the handler
    exchange.respond(Response.empty(500));
  }

  @Override
  default Response refused(Request request, Refusal why) {
    return Response.empty(why == Refusal.TOO_LARGE ? 413 : 503).header("Retry-After", "1");
  }
}
