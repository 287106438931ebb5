package dev.streamfold.window;

import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import java.util.Arrays;
import java.util.List;

/**
 * The span ids of one request (of this shard's spans in it), collected and sorted on the first
 * question only (most requests never ask): a parent later in the same request is not unknown.
 * Single-threaded.
 */
final class RequestIds {
  private final List<ResourceSpans> groups;
  /** The shard of each span by position ({@link ShardRouter.Part#owners}), or null: all are ours. */
  private final int[] owners;
  private final int shard;
  private long[] sorted;

  RequestIds(List<ResourceSpans> groups, int[] owners, int shard) {
    this.groups = groups;
    this.owners = owners;
    this.shard = shard;
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
      int position = 0;
      for (ResourceSpans rs : groups) {
        for (ScopeSpans ss : rs.getScopeSpansList()) {
          for (Span s : ss.getSpansList()) {
            if (owners == null || owners[position++] == shard) {
              ids[i++] = Ids.spanId(s.getSpanId());
            }
          }
        }
      }
      ids = i == n ? ids : Arrays.copyOf(ids, i);
      Arrays.sort(ids);
      sorted = ids;
    }
    return Arrays.binarySearch(sorted, spanId) >= 0;
  }
}
