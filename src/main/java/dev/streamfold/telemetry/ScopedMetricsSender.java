package dev.streamfold.telemetry;

import io.micrometer.registry.otlp.OtlpMetricsSender;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.InstrumentationScope;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.metrics.v1.ExponentialHistogramDataPoint;
import io.opentelemetry.proto.metrics.v1.HistogramDataPoint;
import io.opentelemetry.proto.metrics.v1.Metric;
import io.opentelemetry.proto.metrics.v1.NumberDataPoint;
import io.opentelemetry.proto.metrics.v1.ResourceMetrics;
import io.opentelemetry.proto.metrics.v1.ScopeMetrics;
import io.opentelemetry.proto.metrics.v1.SummaryDataPoint;
import java.util.ArrayList;
import java.util.List;

/**
 * The micrometer OTLP registry's sender: micrometer writes no instrumentation scope and names
 * time units {@code seconds}, so each request is rewritten before it is handed to the
 * {@link OtlpMetricsPush}: scope {@code dev.streamfold} (with the build version when known),
 * unit {@code seconds} to UCUM {@code s}, and string attributes with an empty value removed
 * (the empty values exist only because Prometheus needs the same label keys on every series;
 * in OTLP an absent attribute is the natural form, and removing them keeps series distinct
 * because every series of a metric has the same keys). Runs on the push thread only.
 */
final class ScopedMetricsSender implements OtlpMetricsSender {
  static final String SCOPE_NAME = "dev.streamfold";

  private final OtlpMetricsPush push;
  private final InstrumentationScope scope;

  ScopedMetricsSender(OtlpMetricsPush push, String version) {
    this.push = push;
    InstrumentationScope.Builder b = InstrumentationScope.newBuilder().setName(SCOPE_NAME);
    if (version != null && !version.isEmpty()) {
      b.setVersion(version);
    }
    this.scope = b.build();
  }

  @Override
  public void send(Request request) throws Exception {
    ExportMetricsServiceRequest in = ExportMetricsServiceRequest.parseFrom(request.getMetricsData());
    push.send(rewrite(in, scope).toByteArray());
  }

  static ExportMetricsServiceRequest rewrite(ExportMetricsServiceRequest in, InstrumentationScope scope) {
    ExportMetricsServiceRequest.Builder out = in.toBuilder();
    for (ResourceMetrics.Builder rm : out.getResourceMetricsBuilderList()) {
      for (ScopeMetrics.Builder sm : rm.getScopeMetricsBuilderList()) {
        sm.setScope(scope);
        for (Metric.Builder m : sm.getMetricsBuilderList()) {
          if (m.getUnit().equals("seconds")) {
            m.setUnit("s");
          }
          stripEmpty(m);
        }
      }
    }
    return out.build();
  }

  private static void stripEmpty(Metric.Builder m) {
    switch (m.getDataCase()) {
      case GAUGE:
        for (NumberDataPoint.Builder p : m.getGaugeBuilder().getDataPointsBuilderList()) {
          replace(p.getAttributesList(), p::clearAttributes, p::addAllAttributes);
        }
        break;
      case SUM:
        for (NumberDataPoint.Builder p : m.getSumBuilder().getDataPointsBuilderList()) {
          replace(p.getAttributesList(), p::clearAttributes, p::addAllAttributes);
        }
        break;
      case HISTOGRAM:
        for (HistogramDataPoint.Builder p : m.getHistogramBuilder().getDataPointsBuilderList()) {
          replace(p.getAttributesList(), p::clearAttributes, p::addAllAttributes);
        }
        break;
      case EXPONENTIAL_HISTOGRAM:
        for (ExponentialHistogramDataPoint.Builder p : m.getExponentialHistogramBuilder().getDataPointsBuilderList()) {
          replace(p.getAttributesList(), p::clearAttributes, p::addAllAttributes);
        }
        break;
      case SUMMARY:
        for (SummaryDataPoint.Builder p : m.getSummaryBuilder().getDataPointsBuilderList()) {
          replace(p.getAttributesList(), p::clearAttributes, p::addAllAttributes);
        }
        break;
      default:
        break;
    }
  }

  private static void replace(List<KeyValue> attrs, Runnable clear, java.util.function.Consumer<List<KeyValue>> addAll) {
    boolean any = false;
    for (KeyValue kv : attrs) {
      any |= isEmptyString(kv);
    }
    if (!any) {
      return;
    }
    List<KeyValue> kept = new ArrayList<>(attrs.size());
    for (KeyValue kv : attrs) {
      if (!isEmptyString(kv)) {
        kept.add(kv);
      }
    }
    clear.run();
    addAll.accept(kept);
  }

  private static boolean isEmptyString(KeyValue kv) {
    AnyValue v = kv.getValue();
    return v.getValueCase() == AnyValue.ValueCase.STRING_VALUE && v.getStringValue().isEmpty();
  }
}
