package dev.streamfold.pipeline;

import io.opentelemetry.proto.logs.v1.ResourceLogs;
import io.opentelemetry.proto.metrics.v1.ResourceMetrics;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import java.util.List;

/**
 * The export side as the window and pass-through paths see it: where data goes. Offers never
 * block; an offer the implementation cannot hold is dropped and counted by it (reason
 * {@code queue_full}) and {@code false} is returned. Whether a request may be accepted at all is
 * a separate question ({@link Admission}). Thread-safe.
 */
public interface Downstream extends Component {
  /** @param items number of spans in {@code spans} (callers know it already) */
  boolean offerSpans(List<ResourceSpans> spans, int items);

  boolean offerLogs(List<ResourceLogs> logs, int items);

  boolean offerMetrics(List<ResourceMetrics> metrics, int items);
}
