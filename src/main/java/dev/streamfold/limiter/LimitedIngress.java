package dev.streamfold.limiter;

import dev.streamfold.pipeline.IngestResult;
import dev.streamfold.pipeline.Ingress;
import dev.streamfold.telemetry.Reasons;
import io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import java.time.Duration;

/** The receivers' {@link Ingress}: asks the {@link MemoryLimiter} before the pipeline admits a request. */
public final class LimitedIngress implements Ingress {
  static final Duration RETRY_AFTER = Duration.ofSeconds(1);
  private static final IngestResult REFUSED =
      IngestResult.refused(RETRY_AFTER, "memory limit reached, retry later", Reasons.MEMORY_LIMIT);

  private final MemoryLimiter limiter;
  private final Ingress next;

  public LimitedIngress(MemoryLimiter limiter, Ingress next) {
    this.limiter = limiter;
    this.next = next;
  }

  @Override
  public IngestResult traces(ExportTraceServiceRequest request) {
    return limiter.admit() ? next.traces(request) : REFUSED;
  }

  @Override
  public IngestResult logs(ExportLogsServiceRequest request) {
    return limiter.admit() ? next.logs(request) : REFUSED;
  }

  @Override
  public IngestResult metrics(ExportMetricsServiceRequest request) {
    return limiter.admit() ? next.metrics(request) : REFUSED;
  }
}
