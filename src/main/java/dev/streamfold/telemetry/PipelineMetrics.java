package dev.streamfold.telemetry;

/**
 * All three stage interfaces at once: what {@link Telemetry} provides and what wiring hands out.
 * Each stage depends only on its own narrow interface ({@link ReceiverMetrics},
 * {@link WindowMetrics}, {@link ExportMetrics}); tests use {@link InMemoryMetrics}.
 */
public interface PipelineMetrics extends ReceiverMetrics, WindowMetrics, ExportMetrics {}
