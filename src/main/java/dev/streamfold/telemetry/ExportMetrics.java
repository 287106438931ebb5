package dev.streamfold.telemetry;

import dev.streamfold.pipeline.Signal;
import java.util.function.DoubleSupplier;

/** What the export stage reports about the downstream. Thread-safe; {@link #NOOP} records nothing. */
public interface ExportMetrics extends Gauges {
  /** Items acknowledged by the downstream. */
  void exported(Signal signal, long n);

  /** Items the downstream or the queue lost, by reason. */
  void exportFailed(Signal signal, String reason, long n);

  /** Items the downstream rejected in partial_success. */
  void exportPartialRejected(Signal signal, long n);

  /**
   * These metrics for one of several exporters: the counts carry the label {@code exporter=name},
   * so the conservation law holds per exporter. Implementations without labels return themselves.
   */
  default ExportMetrics forExporter(String name) {
    return this;
  }

  ExportMetrics NOOP =
      new ExportMetrics() {
        @Override
        public void exported(Signal signal, long n) {}

        @Override
        public void exportFailed(Signal signal, String reason, long n) {}

        @Override
        public void exportPartialRejected(Signal signal, long n) {}

        @Override
        public void gauge(String name, String description, DoubleSupplier value, String... tags) {}
      };
}
