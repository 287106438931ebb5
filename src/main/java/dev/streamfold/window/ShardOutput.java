package dev.streamfold.window;

import dev.streamfold.pipeline.Downstream;
import io.opentelemetry.proto.common.v1.InstrumentationScope;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import java.util.ArrayList;
import java.util.List;

/**
 * Spans a shard emits on its own (condensed, synthetic, released held spans), each in its own
 * resource and scope, collected while a request or tick is handled and offered to the
 * {@link Downstream} in one batch. Owned by one shard thread.
 */
final class ShardOutput {
  private final Downstream out;
  private final List<ResourceSpans> emitted = new ArrayList<>();

  ShardOutput(Downstream out) {
    this.out = out;
  }

  void emit(Resource resource, InstrumentationScope scope, Span span) {
    ResourceSpans.Builder rs = ResourceSpans.newBuilder();
    if (resource != null) {
      rs.setResource(resource);
    }
    rs.addScopeSpans(ScopeSpans.newBuilder().setScope(scope == null ? InstrumentationScope.getDefaultInstance() : scope).addSpans(span));
    emitted.add(rs.build());
  }

  /** Offers what was emitted since the last flush. */
  void flush() {
    if (!emitted.isEmpty()) {
      out.offerSpans(new ArrayList<>(emitted), emitted.size());
      emitted.clear();
    }
  }
}
