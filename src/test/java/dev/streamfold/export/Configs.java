package dev.streamfold.export;

import static dev.streamfold.config.TestConfig.set;

import dev.streamfold.config.ExporterConfig;
import dev.streamfold.config.TestConfig;

/** Exporter configs with test-sized intervals. */
final class Configs {
  private Configs() {}

  /** An exporter of {@code type} sending to {@code endpoint}, with test-sized intervals, then {@code more} overrides. */
  static ExporterConfig of(String type, String endpoint, String... more) {
    return TestConfig.with(TestConfig.exporter(), TestConfig.concat(new String[] {
        set("type", type), set("otlp.endpoint", endpoint), "otlp.timeout=30s", "batch.max_size=512", "batch.timeout=20ms",
        "queue.capacity_items=10000", "queue.consumers=2", "retry.initial_interval=10ms", "retry.max_interval=50ms",
        "retry.max_elapsed_time=2m"}, more));
  }
}
