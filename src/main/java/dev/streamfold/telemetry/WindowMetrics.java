package dev.streamfold.telemetry;

import dev.streamfold.pipeline.Unit;
import java.util.function.DoubleSupplier;

/**
 * What the window reports: the right-hand side of the conservation law
 * ({@code received = passed + condensed + dropped{reason} + buffered}; buffered is a gauge) and
 * what it recognized. Shards flush per request. Thread-safe; {@link #NOOP} records nothing.
 */
public interface WindowMetrics extends Gauges {
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

  /**
   * Chunks a closed stream lacks by its producer's chunk indexes or stated count (never received
   * here, so not in the conservation law).
   */
  void missingChunks(long n);

  /** Spans whose parent chunk span was dropped and that were re-parented (or could not be). */
  void reparented(boolean ok, long n);

  WindowMetrics NOOP =
      new WindowMetrics() {
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
        public void missingChunks(long n) {}

        @Override
        public void reparented(boolean ok, long n) {}

        @Override
        public void gauge(String name, String description, DoubleSupplier value, String... tags) {}
      };
}
