package dev.streamfold.telemetry;

import dev.streamfold.pipeline.Downstream;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest;
import io.opentelemetry.proto.metrics.v1.Metric;
import io.opentelemetry.proto.metrics.v1.ResourceMetrics;
import io.opentelemetry.proto.metrics.v1.ScopeMetrics;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Hands pushed metrics to the export queue ({@link Downstream#offerMetrics}), so they leave
 * through whatever exporter is configured (gRPC, HTTP or file), counted in data points. A full
 * queue drops the request; the downstream counts that drop ({@code queue_full}).
 */
public final class DownstreamMetricsSender implements OtlpMetricsPush {
  private static final Logger log = LoggerFactory.getLogger(DownstreamMetricsSender.class);

  private final Downstream downstream;

  public DownstreamMetricsSender(Downstream downstream) {
    this.downstream = downstream;
  }

  @Override
  public void send(byte[] exportMetricsServiceRequest) throws Exception {
    ExportMetricsServiceRequest request = ExportMetricsServiceRequest.parseFrom(exportMetricsServiceRequest);
    List<ResourceMetrics> metrics = request.getResourceMetricsList();
    int points = dataPoints(metrics);
    if (points == 0) {
      return;
    }
    if (!downstream.offerMetrics(metrics, points)) {
      log.debug("export queue refused {} self-metric data points", points);
    }
  }

  static int dataPoints(List<ResourceMetrics> metrics) {
    int n = 0;
    for (ResourceMetrics rm : metrics) {
      for (ScopeMetrics sm : rm.getScopeMetricsList()) {
        for (Metric m : sm.getMetricsList()) {
          n += dataPoints(m);
        }
      }
    }
    return n;
  }

  static int dataPoints(Metric m) {
    switch (m.getDataCase()) {
      case GAUGE:
        return m.getGauge().getDataPointsCount();
      case SUM:
        return m.getSum().getDataPointsCount();
      case HISTOGRAM:
        return m.getHistogram().getDataPointsCount();
      case EXPONENTIAL_HISTOGRAM:
        return m.getExponentialHistogram().getDataPointsCount();
      case SUMMARY:
        return m.getSummary().getDataPointsCount();
      default:
        return 0;
    }
  }
}
