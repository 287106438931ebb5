package dev.streamfold.window;

import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import java.util.Arrays;
import java.util.List;

/**
 * The span ids of one request, collected and sorted on the first question only (most requests
 * never ask): a parent later in the same request is not unknown. Single-threaded.
 */
final class RequestIds {
  private final List<ResourceSpans> groups;
  private long[] sorted;

  RequestIds(List<ResourceSpans> groups) {
    this.groups = groups;
  }

  boolean contains(long spanId) {
    if (sorted == null) {
      int n = 0;
      for (ResourceSpans rs : groups) {
        for (ScopeSpans ss : rs.getScopeSpansList()) {
          n += ss.getSpansCount();
        }
      }
      long[] ids = new long[n];
      int i = 0;
      for (ResourceSpans rs : groups) {
        for (ScopeSpans ss : rs.getScopeSpansList()) {
          for (Span s : ss.getSpansList()) {
            ids[i++] = Ids.spanId(s.getSpanId());
          }
        }
      }
      Arrays.sort(ids);
      sorted = ids;
    }
    return Arrays.binarySearch(sorted, spanId) >= 0;
  }
}
