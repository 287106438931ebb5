package dev.streamfold.export;

import dev.streamfold.pipeline.Signal;
import dev.streamfold.telemetry.ExportMetrics;
import dev.streamfold.time.Clock;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where one exporter's items leave the books: exported, rejected in partial_success or failed
 * with a reason; plus the aggregated WARN lines (one per 10 s) for drops and retries, and one
 * INFO line when a failing exporter recovers. Thread-safe.
 */
final class ExportCounters {
  private static final Logger LOG = LoggerFactory.getLogger(ExportCounters.class);
  private static final Duration LOG_INTERVAL = Duration.ofSeconds(10);

  private final ExportMetrics metrics;
  private final String exporter;
  private final ThrottledLog dropLog;
  private final ThrottledLog retryLog;
  /** Set by a retryable failure, cleared (with one INFO line) by the next success. */
  private volatile boolean failing;

  ExportCounters(ExportMetrics metrics, String exporter, Clock clock) {
    this.metrics = metrics;
    this.exporter = exporter;
    this.dropLog = new ThrottledLog("export dropped items", LOG_INTERVAL, clock, LOG::warn, true);
    this.retryLog = new ThrottledLog("export failing, retrying", LOG_INTERVAL, clock, LOG::warn, false);
  }

  /** The downstream acknowledged {@code items}, possibly rejecting some in partial_success. */
  void delivered(Signal signal, long items, ExportOutcome o) {
    if (failing) {
      failing = false;
      retryLog.flush(true);
      LOG.info("export to {} recovered", exporter);
    }
    long rejected = Math.min(items, o.rejected());
    if (items - rejected > 0) {
      metrics.exported(signal, items - rejected);
    }
    if (rejected > 0) {
      metrics.exportPartialRejected(signal, rejected);
      dropLog.record(signal.label() + "/partial_success_rejected", rejected, o.message());
    }
  }

  void dropped(Signal signal, String reason, long items, String message) {
    metrics.exportFailed(signal, reason, items);
    dropLog.record(signal.label() + "/" + reason, items, message);
  }

  /** A retryable failure; the batch will be tried again. */
  void retrying(Signal signal, long items, String message) {
    failing = true;
    retryLog.record(signal.label(), items, message);
  }

  /** True between a retryable failure and the next success. */
  boolean failing() {
    return failing;
  }

  /** A problem that loses nothing (e.g. a persistent-queue write fell back to memory). */
  void note(String key, String message) {
    dropLog.record(key, 0, message);
  }

  /** Emits what accumulated when due (or now, when {@code force}). */
  void flush(boolean force) {
    dropLog.flush(force);
    retryLog.flush(force);
  }
}
