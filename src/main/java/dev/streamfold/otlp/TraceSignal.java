package dev.streamfold.otlp;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.streamfold.pipeline.IngestResult;
import dev.streamfold.pipeline.Ingress;
import dev.streamfold.pipeline.Signal;
import dev.streamfold.pipeline.Unit;
import io.opentelemetry.proto.collector.trace.v1.ExportTracePartialSuccess;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;
import io.opentelemetry.proto.common.v1.InstrumentationScope;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import java.util.List;

/** The traces signal ({@link OtlpSignal#TRACES}): spans, with their events as extra units. */
final class TraceSignal
    extends OtlpSignal<ExportTraceServiceRequest, ResourceSpans, ScopeSpans, Span, ExportTraceServiceResponse> {
  TraceSignal() {
    super(Signal.TRACES, Unit.SPAN, Unit.SPAN_EVENT, "span");
  }

  @Override
  public ExportTraceServiceRequest parse(byte[] b, int off, int len) throws InvalidProtocolBufferException {
    return ExportTraceServiceRequest.parser().parseFrom(b, off, len);
  }

  @Override
  public ExportTraceServiceRequest parseJson(String json) throws InvalidProtocolBufferException {
    ExportTraceServiceRequest.Builder b = ExportTraceServiceRequest.newBuilder();
    OtlpJson.merge(json, b);
    return b.build();
  }

  @Override
  public List<ResourceSpans> resources(ExportTraceServiceRequest r) {
    return r.getResourceSpansList();
  }

  @Override
  public List<ScopeSpans> scopes(ResourceSpans rg) {
    return rg.getScopeSpansList();
  }

  @Override
  public List<Span> items(ScopeSpans sg) {
    return sg.getSpansList();
  }

  @Override
  public Resource resource(ResourceSpans rg) {
    return rg.getResource();
  }

  @Override
  public InstrumentationScope scope(ScopeSpans sg) {
    return sg.getScope();
  }

  @Override
  public ResourceSpans withScopes(ResourceSpans rg, List<ScopeSpans> scopes) {
    return rg.toBuilder().clearScopeSpans().addAllScopeSpans(scopes).build();
  }

  @Override
  public ScopeSpans withItems(ScopeSpans sg, List<Span> items) {
    return sg.toBuilder().clearSpans().addAllSpans(items).build();
  }

  @Override
  public ExportTraceServiceRequest request(List<ResourceSpans> resources) {
    return ExportTraceServiceRequest.newBuilder().addAllResourceSpans(resources).build();
  }

  @Override
  public int units(Span item) {
    return 1;
  }

  @Override
  public int extraUnits(Span item) {
    return item.getEventsCount();
  }

  @Override
  public String check(Span item, long futureLimitNanos) {
    return ItemChecks.checkSpan(item, futureLimitNanos);
  }

  @Override
  public IngestResult offer(Ingress ingress, ExportTraceServiceRequest request) {
    return ingress.traces(request);
  }

  @Override
  public ExportTraceServiceResponse response(long rejected, String message) {
    if (rejected == 0) {
      return ExportTraceServiceResponse.getDefaultInstance();
    }
    return ExportTraceServiceResponse.newBuilder()
        .setPartialSuccess(ExportTracePartialSuccess.newBuilder().setRejectedSpans(rejected).setErrorMessage(message))
        .build();
  }
}
