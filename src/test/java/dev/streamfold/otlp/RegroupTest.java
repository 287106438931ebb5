package dev.streamfold.otlp;

import static dev.streamfold.testing.Otlp.*;
import static org.assertj.core.api.Assertions.assertThat;

import io.opentelemetry.proto.common.v1.InstrumentationScope;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import java.util.List;
import org.junit.jupiter.api.Test;

class RegroupTest {
  static final Resource R2 = Resource.newBuilder().addAttributes(kv("service.name", "other")).build();
  static final InstrumentationScope S2 = InstrumentationScope.newBuilder().setName("s2").build();

  final Span a1 = span(trace(1), id(1), null, "a1", 0, 1).addEvents(event("e", 0)).build();
  final Span b1 = span(trace(2), id(2), null, "b1", 0, 1).build();
  final Span a2 = span(trace(1), id(3), null, "a2", 0, 1).build();
  final Span b2 = span(trace(2), id(4), null, "b2", 0, 1).build();

  /** [RESOURCE: [SCOPE: a1 b1] [S2: a2]] [R2: [SCOPE: b2]] */
  List<ResourceSpans> tree() {
    return List.of(
        ResourceSpans.newBuilder().setResource(RESOURCE)
            .addScopeSpans(ScopeSpans.newBuilder().setScope(SCOPE).addSpans(a1).addSpans(b1))
            .addScopeSpans(ScopeSpans.newBuilder().setScope(S2).addSpans(a2)).build(),
        ResourceSpans.newBuilder().setResource(R2)
            .addScopeSpans(ScopeSpans.newBuilder().setScope(SCOPE).addSpans(b2)).build());
  }

  static int byTrace(Span s) {
    return s.getTraceId().equals(trace(1)) ? 0 : 1;
  }

  @Test
  void splitKeepsResourceAndScopeGroupingPerOutput() {
    List<ResourceSpans> in = tree();
    Regroup.Result<ResourceSpans> r = Regroup.split(OtlpSignal.TRACES, in, 2, RegroupTest::byTrace);

    List<ResourceSpans> zero = r.groups(0);
    assertThat(zero).hasSize(1);
    assertThat(zero.get(0).getResource()).isEqualTo(RESOURCE);
    assertThat(zero.get(0).getScopeSpansList()).extracting(ScopeSpans::getScope).containsExactly(SCOPE, S2);
    assertThat(zero.get(0).getScopeSpans(0).getSpansList()).containsExactly(a1);
    assertThat(zero.get(0).getScopeSpans(1).getSpansList()).containsExactly(a2);
    // a scope group that went whole to one output is the same object
    assertThat(zero.get(0).getScopeSpans(1)).isSameAs(in.get(0).getScopeSpans(1));

    List<ResourceSpans> one = r.groups(1);
    assertThat(one).extracting(ResourceSpans::getResource).containsExactly(RESOURCE, R2);
    assertThat(one.get(0).getScopeSpansList()).hasSize(1);
    assertThat(one.get(0).getScopeSpans(0).getSpansList()).containsExactly(b1);
    assertThat(one.get(1)).isSameAs(in.get(1));

    assertThat(r.units(0)).isEqualTo(2);
    assertThat(r.extraUnits(0)).isEqualTo(1);
    assertThat(r.units(1)).isEqualTo(2);
    assertThat(r.extraUnits(1)).isZero();
  }

  @Test
  void mapWithNothingChangedReusesEveryGroup() {
    List<ResourceSpans> in = tree();
    Regroup.Result<ResourceSpans> r = Regroup.map(OtlpSignal.TRACES, in, (rs, ss, s) -> s);
    assertThat(r.groups(0)).hasSize(2);
    assertThat(r.groups(0).get(0)).isSameAs(in.get(0));
    assertThat(r.groups(0).get(1)).isSameAs(in.get(1));
    assertThat(r.units(0)).isEqualTo(4);
  }

  @Test
  void mapReplacesAndRemovesAndDropsEmptiedGroups() {
    Span renamed = b1.toBuilder().setName("renamed").build();
    Regroup.Result<ResourceSpans> r = Regroup.map(OtlpSignal.TRACES, tree(),
        (rs, ss, s) -> s == b1 ? renamed : s == a2 || s == b2 ? null : s);
    assertThat(r.groups(0)).hasSize(1);
    ResourceSpans only = r.groups(0).get(0);
    assertThat(only.getResource()).isEqualTo(RESOURCE);
    assertThat(only.getScopeSpansList()).hasSize(1);
    assertThat(only.getScopeSpans(0).getScope()).isEqualTo(SCOPE);
    assertThat(only.getScopeSpans(0).getSpansList()).containsExactly(a1, renamed);
    assertThat(r.units(0)).isEqualTo(2);
  }

  @Test
  void mapperSeesTheItemsGroups() {
    Regroup.Result<ResourceSpans> r = Regroup.map(OtlpSignal.TRACES, tree(),
        (rs, ss, s) -> rs.getResource().equals(R2) && ss.getScope().equals(SCOPE) ? s : null);
    assertThat(r.groups(0)).hasSize(1);
    assertThat(r.groups(0).get(0).getScopeSpans(0).getSpansList()).containsExactly(b2);
  }
}
