package dev.streamfold.pipeline;

import io.opentelemetry.proto.logs.v1.ResourceLogs;
import io.opentelemetry.proto.metrics.v1.ResourceMetrics;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import java.util.List;

/**
 * The export side as the window and pass-through paths see it: a bounded queue in front of
 * batching exporters. Offers never block; an offer over the hard capacity is dropped and
 * counted by the implementation (reason {@code queue_full}) and {@code false} is returned.
 * Thread-safe.
 */
public interface Downstream extends Component {
  /** @param items number of spans in {@code spans} (callers know it already) */
  boolean offerSpans(List<ResourceSpans> spans, int items);

  boolean offerLogs(List<ResourceLogs> logs, int items);

  boolean offerMetrics(List<ResourceMetrics> metrics, int items);

  /**
   * Admission check used by the ingress before accepting a request: true when {@code items}
   * more can be queued without crossing the admission watermark (hard capacity minus the room
   * reserved for what the window emits on its own).
   */
  boolean canAdmit(long items);

  /** Items currently queued (not yet acknowledged by the downstream). */
  long queuedItems();

  /** Capacity of the queue in items. */
  long capacityItems();
}
