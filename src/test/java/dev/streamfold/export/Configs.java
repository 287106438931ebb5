package dev.streamfold.export;

import dev.streamfold.config.ExporterConfig;
import java.time.Duration;

/** Exporter configs with test-sized intervals. */
final class Configs {
  private Configs() {}

  static ExporterConfig of(String type, String endpoint) {
    ExporterConfig c = new ExporterConfig();
    c.type = type;
    c.otlp.endpoint = endpoint;
    c.otlp.timeout = Duration.ofSeconds(30);
    c.batch.maxSize = 512;
    c.batch.timeout = Duration.ofMillis(20);
    c.queue.capacityItems = 10_000;
    c.queue.consumers = 2;
    c.retry.initialInterval = Duration.ofMillis(10);
    c.retry.maxInterval = Duration.ofMillis(50);
    c.retry.maxElapsedTime = Duration.ofMinutes(2);
    return c;
  }
}
