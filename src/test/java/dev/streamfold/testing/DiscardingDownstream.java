package dev.streamfold.testing;

import dev.streamfold.pipeline.Downstream;
import io.opentelemetry.proto.logs.v1.ResourceLogs;
import io.opentelemetry.proto.metrics.v1.ResourceMetrics;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import java.time.Duration;
import java.util.List;

/** A Downstream that accepts everything and holds nothing (benchmarks, tests that only count). */
public class DiscardingDownstream implements Downstream {
  @Override
  public boolean offerSpans(List<ResourceSpans> spans, int items) {
    return true;
  }

  @Override
  public boolean offerLogs(List<ResourceLogs> logs, int items) {
    return true;
  }

  @Override
  public boolean offerMetrics(List<ResourceMetrics> metrics, int items) {
    return true;
  }




  @Override
  public void shutdown(Duration timeout) {}
}
