package dev.streamfold.receiver;

import dev.streamfold.http.ByteBudget;
import dev.streamfold.http.ConnectionLimiter;
import dev.streamfold.http.HttpServer;
import dev.streamfold.telemetry.Gauges;

/** Connection-level gauges of a receiver's server ({@code streamfold.receiver.*}, tag {@code transport}). */
final class ServerGauges {
  private ServerGauges() {}

  static void register(Gauges metrics, String transport, HttpServer server, ByteBudget budget) {
    metrics.gauge("streamfold.receiver.connections.accepted", "Connections admitted by the receiver (cumulative)",
        server::connectionsAccepted, "transport", transport);
    metrics.gauge("streamfold.receiver.connections.open", "Connections open on the receiver",
        server::connections, "transport", transport);
    metrics.gauge("streamfold.receiver.connections.refused",
        "Connections turned away for a connection limit (cumulative)", server::connectionsRefused, "transport", transport);
    metrics.gauge("streamfold.receiver.request.timeouts",
        "Requests cut off because their head or body was not sent in time (cumulative)", server::timeouts,
        "transport", transport);
    metrics.gauge("streamfold.receiver.body.buffered.bytes", "Request body bytes buffered by the receiver",
        budget::used, "transport", transport);
  }

  static void register(Gauges metrics, String transport, ConnectionLimiter limiter) {
    metrics.gauge("streamfold.receiver.connections.accepted", "Connections admitted by the receiver (cumulative)",
        limiter::admitted, "transport", transport);
    metrics.gauge("streamfold.receiver.connections.open", "Connections open on the receiver",
        limiter::open, "transport", transport);
    metrics.gauge("streamfold.receiver.connections.refused",
        "Connections turned away for a connection limit (cumulative)",
        () -> limiter.refusedTotal() + limiter.refusedPerClient(), "transport", transport);
  }
}
