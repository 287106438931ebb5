package dev.streamfold.telemetry;

import dev.streamfold.pipeline.Signal;
import dev.streamfold.pipeline.Unit;
import java.util.function.DoubleSupplier;

/**
 * Self-telemetry as the pipeline stages see it: a narrow, allocation-free interface (zipkin's
 * CollectorMetrics pattern). Callers batch counts per request, never call per item on the hot
 * path when a sum is at hand. Implementations are thread-safe. {@link #NOOP} for tests.
 *
 * <p>Reasons are short snake_case constants (see {@link Reasons}); never ids or user data.
 */
public interface PipelineMetrics {
  /** Units accepted by a receiver (after validation). */
  void received(Signal signal, Unit unit, long n);

  /** Whole requests or items refused by a receiver, by reason (malformed, too_large, unauthenticated, backpressure, invalid_item...). */
  void refused(Signal signal, String reason, long n);

  /** Units forwarded downstream (unchanged or annotated: late, re-parented). */
  void passed(Unit unit, long n);

  /** Units folded into a condensed span (chunks, and the stream span itself). */
  void condensed(Unit unit, long n);

  /** Units dropped inside streamfold, by reason. */
  void dropped(Unit unit, String reason, long n);

  /** Synthetic spans created by streamfold (llm_stream.incomplete). */
  void generated(long n);

  /** Chunks recognized, by input shape label (chunk_spans, chunk_events, chunk_logs). */
  void chunks(String shape, long n);

  void lateChunks(long n);

  void duplicateChunks(long n);

  /** Spans whose parent chunk span was dropped and that were re-parented (or could not be). */
  void reparented(boolean ok, long n);

  /** Items acknowledged by the downstream. */
  void exported(Signal signal, long n);

  /** Items the downstream or the queue lost, by reason. */
  void exportFailed(Signal signal, String reason, long n);

  /** Items the downstream rejected in partial_success. */
  void exportPartialRejected(Signal signal, long n);

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

  PipelineMetrics NOOP =
      new PipelineMetrics() {
        @Override
        public void received(Signal signal, Unit unit, long n) {}

        @Override
        public void refused(Signal signal, String reason, long n) {}

        @Override
        public void passed(Unit unit, long n) {}

        @Override
        public void condensed(Unit unit, long n) {}

        @Override
        public void dropped(Unit unit, String reason, long n) {}

        @Override
        public void generated(long n) {}

        @Override
        public void chunks(String shape, long n) {}

        @Override
        public void lateChunks(long n) {}

        @Override
        public void duplicateChunks(long n) {}

        @Override
        public void reparented(boolean ok, long n) {}

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
