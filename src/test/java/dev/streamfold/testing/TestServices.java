package dev.streamfold.testing;

import dev.streamfold.config.StreamfoldConfig;
import java.time.Duration;

/** Configs for in-process service tests: every port ephemeral on loopback, no accept grace. */
public final class TestServices {
  private TestServices() {}

  public static StreamfoldConfig config(String downstreamGrpcEndpoint) {
    StreamfoldConfig c = new StreamfoldConfig();
    c.receivers.otlp.grpc.endpoint = "127.0.0.1:0";
    c.receivers.otlp.http.endpoint = "127.0.0.1:0";
    c.telemetry.prometheus.endpoint = "127.0.0.1:0";
    c.service.health.endpoint = "127.0.0.1:0";
    c.service.shutdown.acceptGrace = Duration.ZERO;
    c.service.shutdown.timeout = Duration.ofSeconds(5);
    c.window.shards = 2;
    c.window.tick = Duration.ofMillis(5);
    c.exporter.type = "otlp_grpc";
    c.exporter.otlp.endpoint = downstreamGrpcEndpoint;
    c.exporter.otlp.compression = "none";
    c.exporter.batch.timeout = Duration.ofMillis(20);
    c.exporter.retry.initialInterval = Duration.ofMillis(20);
    c.exporter.retry.maxInterval = Duration.ofMillis(100);
    return c;
  }
}
