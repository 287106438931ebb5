package dev.streamfold.testing;

import dev.streamfold.config.StreamfoldConfig;
import dev.streamfold.config.TestConfig;

/** Configs for in-process service tests: every port ephemeral on loopback, no accept grace. */
public final class TestServices {
  private TestServices() {}

  /** The service test config exporting over gRPC to {@code downstreamGrpcEndpoint}, then {@code sets} ({@code --set path=value}). */
  public static StreamfoldConfig config(String downstreamGrpcEndpoint, String... sets) {
    return TestConfig.of(TestConfig.concat(new String[] {
        "receivers.otlp.grpc.endpoint=127.0.0.1:0",
        "receivers.otlp.http.endpoint=127.0.0.1:0",
        "telemetry.prometheus.endpoint=127.0.0.1:0",
        "service.health.endpoint=127.0.0.1:0",
        "service.shutdown.accept_grace=0",
        "service.shutdown.timeout=5s",
        "window.shards=2",
        "window.tick=5ms",
        "exporter.type=otlp_grpc",
        "exporter.otlp.endpoint=" + downstreamGrpcEndpoint,
        "exporter.otlp.compression=none",
        "exporter.batch.timeout=20ms",
        "exporter.retry.initial_interval=20ms",
        "exporter.retry.max_interval=100ms"}, sets));
  }
}
