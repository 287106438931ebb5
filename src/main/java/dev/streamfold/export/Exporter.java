package dev.streamfold.export;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/**
 * Sends one export request to the downstream (opentelemetry-java's SpanExporter shape).
 *
 * <p>Contract: {@link #export} never throws and its future never completes exceptionally;
 * transport and protocol failures are mapped to an {@link ExportOutcome}. Cancelling the
 * returned future aborts the call where the transport allows. Implementations are thread-safe
 * and may be called by several queue consumers at once. {@link #close} releases channels and
 * files; no export may be started after it.
 */
public interface Exporter {
  CompletableFuture<ExportOutcome> export(ExportRequest request);

  /** Short description for logs (type and endpoint, never headers). */
  String describe();

  void close(Duration timeout);
}
