package dev.streamfold.telemetry;

import dev.streamfold.pipeline.Signal;
import dev.streamfold.pipeline.Unit;
import java.util.function.DoubleSupplier;

/**
 * What a receiver reports: units it accepted and requests or items it refused. Callers count per
 * request, never per item on the hot path. Thread-safe; {@link #NOOP} records nothing.
 */
public interface ReceiverMetrics extends Gauges {
  /** Units accepted by a receiver (after validation). */
  void received(Signal signal, Unit unit, long n);

  /** Whole requests or items refused, by reason (see {@link Reasons}); never ids or user data. */
  void refused(Signal signal, String reason, long n);

  ReceiverMetrics NOOP =
      new ReceiverMetrics() {
        @Override
        public void received(Signal signal, Unit unit, long n) {}

        @Override
        public void refused(Signal signal, String reason, long n) {}

        @Override
        public void gauge(String name, String description, DoubleSupplier value, String... tags) {}
      };
}
