package dev.streamfold.telemetry;

import java.util.function.DoubleSupplier;

/** Registers sampled values (queue sizes, open streams, memory) and counters read when scraped. Thread-safe. */
public interface Gauges {
  /**
   * Registers a gauge; {@code name} is a dotted streamfold self-metric name such as
   * {@code streamfold.window.buffered}. Tags are key/value pairs.
   */
  void gauge(String name, String description, DoubleSupplier value, String... tags);

  /**
   * Registers a monotonic counter read at scrape / push time (exposed with {@code _total});
   * implementations without counters fall back to a gauge.
   */
  default void counter(String name, String description, DoubleSupplier value, String... tags) {
    gauge(name, description, value, tags);
  }
}
