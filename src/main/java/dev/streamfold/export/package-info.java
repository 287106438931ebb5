/**
 * The export stage (SPEC 5), as a chain of small steps in the spirit of the OpenTelemetry
 * Collector's exporterhelper:
 *
 * <pre>
 * ExportPipeline (Downstream + Admission, fans out to every exporter)
 *   -> ExportLane, one per exporter:
 *        ExportQueue (room counted in items, admission mark, optional PersistentQueue)
 *        -> Batcher per signal (size or timeout)
 *        -> ready queue -> queue.consumers threads
 *        -> RetrySender (RetryPolicy: backoff, jitter, server hints; waits on the one Clock)
 *        -> Exporter (OTLP/gRPC, OTLP/HTTP protobuf, OTLP JSON lines file; made by Exporters)
 *   ExportCounters: exported / partial-rejected / failed{reason}, aggregated log lines
 * </pre>
 *
 * <p>Design choices: a batch keeps its share of the queue capacity until it is acknowledged or
 * dropped, so a slow downstream reaches the receivers as backpressure; consumers block while
 * a batch waits to be retried, bounding parallel requests and retry memory; requests travel as
 * encoded bytes where possible (gRPC uses a byte marshaller, the persistent queue stores the
 * encoding), so nothing is re-serialized on the way out; every loss is counted with a reason and
 * logged in aggregate. Time (retry waits and budgets, the shutdown deadline, log throttling,
 * HTTP dates) comes from one injected {@link dev.streamfold.time.Clock}.
 */
package dev.streamfold.export;
