package dev.streamfold.pipeline;

import io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;

/**
 * Where receivers hand decoded and validated requests. Implementations never block on the
 * caller's thread: when the pipeline is full they answer {@link IngestResult.Status#REFUSED}
 * and the receiver maps it to gRPC UNAVAILABLE / HTTP 503 with Retry-After. Thread-safe.
 * Ownership of the request passes to the pipeline on OK.
 */
public interface Ingress {
  IngestResult traces(ExportTraceServiceRequest request);

  IngestResult logs(ExportLogsServiceRequest request);

  IngestResult metrics(ExportMetricsServiceRequest request);
}
