/**
 * The export stage (SPEC 5): {@link dev.streamfold.export.ExportPipeline} implements
 * {@link dev.streamfold.pipeline.Downstream} as a bounded item-counted queue, per-signal
 * batchers (size or timeout), {@code queue.consumers} sender threads with exponential backoff
 * and server retry hints, an optional on-disk queue, and one {@link dev.streamfold.export.Exporter}
 * chosen by {@code exporter.type}: OTLP/gRPC, OTLP/HTTP protobuf or the OTLP JSON lines file.
 *
 * <p>Design choices: a batch keeps its share of the queue capacity until it is acknowledged or
 * dropped, so a slow downstream reaches the receivers as backpressure; consumers block while
 * a batch waits to be retried, bounding parallel requests and retry memory; requests travel as
 * encoded bytes where possible (gRPC uses a byte marshaller, the persistent queue stores the
 * encoding), so nothing is re-serialized on the way out; every loss is counted through
 * {@link dev.streamfold.telemetry.ExportMetrics#exportFailed} and logged in aggregate.
 */
package dev.streamfold.export;
