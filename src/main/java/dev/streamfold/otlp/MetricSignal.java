package dev.streamfold.otlp;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.streamfold.pipeline.IngestResult;
import dev.streamfold.pipeline.Ingress;
import dev.streamfold.pipeline.Signal;
import dev.streamfold.pipeline.Unit;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsPartialSuccess;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceResponse;
import io.opentelemetry.proto.common.v1.InstrumentationScope;
import io.opentelemetry.proto.metrics.v1.Metric;
import io.opentelemetry.proto.metrics.v1.ResourceMetrics;
import io.opentelemetry.proto.metrics.v1.ScopeMetrics;
import io.opentelemetry.proto.resource.v1.Resource;
import java.util.List;

/**
 * The metrics signal ({@link OtlpSignal#METRICS}): metrics counted by data point, forwarded
 * unchecked; a request with a resource group is forwarded even without points.
 */
final class MetricSignal
    extends OtlpSignal<ExportMetricsServiceRequest, ResourceMetrics, ScopeMetrics, Metric, ExportMetricsServiceResponse> {
  MetricSignal() {
    super(Signal.METRICS, Unit.METRIC_POINT, null, "data point");
  }

  @Override
  public ExportMetricsServiceRequest parse(byte[] b, int off, int len) throws InvalidProtocolBufferException {
    return ExportMetricsServiceRequest.parser().parseFrom(b, off, len);
  }

  @Override
  public ExportMetricsServiceRequest parseJson(String json) throws InvalidProtocolBufferException {
    ExportMetricsServiceRequest.Builder b = ExportMetricsServiceRequest.newBuilder();
    OtlpJson.merge(json, b);
    return b.build();
  }

  @Override
  public List<ResourceMetrics> resources(ExportMetricsServiceRequest r) {
    return r.getResourceMetricsList();
  }

  @Override
  public List<ScopeMetrics> scopes(ResourceMetrics rg) {
    return rg.getScopeMetricsList();
  }

  @Override
  public List<Metric> items(ScopeMetrics sg) {
    return sg.getMetricsList();
  }

  @Override
  public Resource resource(ResourceMetrics rg) {
    return rg.getResource();
  }

  @Override
  public InstrumentationScope scope(ScopeMetrics sg) {
    return sg.getScope();
  }

  @Override
  public ResourceMetrics withScopes(ResourceMetrics rg, List<ScopeMetrics> scopes) {
    return rg.toBuilder().clearScopeMetrics().addAllScopeMetrics(scopes).build();
  }

  @Override
  public ScopeMetrics withItems(ScopeMetrics sg, List<Metric> items) {
    return sg.toBuilder().clearMetrics().addAllMetrics(items).build();
  }

  @Override
  public ExportMetricsServiceRequest request(List<ResourceMetrics> resources) {
    return ExportMetricsServiceRequest.newBuilder().addAllResourceMetrics(resources).build();
  }

  @Override
  public int units(Metric item) {
    return Items.dataPoints(item);
  }

  @Override
  public boolean validated() {
    return false;
  }

  @Override
  public String check(Metric item, long futureLimitNanos) {
    return null;
  }

  @Override
  public IngestResult offer(Ingress ingress, ExportMetricsServiceRequest request) {
    return ingress.metrics(request);
  }

  @Override
  public boolean nothingToForward(ExportMetricsServiceRequest request, long units) {
    return request.getResourceMetricsCount() == 0;
  }

  @Override
  public ExportMetricsServiceResponse response(long rejected, String message) {
    if (rejected == 0) {
      return ExportMetricsServiceResponse.getDefaultInstance();
    }
    return ExportMetricsServiceResponse.newBuilder()
        .setPartialSuccess(ExportMetricsPartialSuccess.newBuilder().setRejectedDataPoints(rejected).setErrorMessage(message))
        .build();
  }
}
