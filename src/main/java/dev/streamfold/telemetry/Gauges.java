package dev.streamfold.telemetry;

import java.util.function.DoubleSupplier;

/** Registers sampled values (queue sizes, open streams, memory). Thread-safe. */
public interface Gauges {
  /**
   * Registers a gauge; {@code name} is a dotted streamfold self-metric name such as
   * {@code streamfold.window.buffered}. Tags are key/value pairs.
   */
  void gauge(String name, String description, DoubleSupplier value, String... tags);
}
