package dev.streamfold.otlp;

import io.opentelemetry.proto.metrics.v1.Metric;
import io.opentelemetry.proto.metrics.v1.ResourceMetrics;
import io.opentelemetry.proto.metrics.v1.ScopeMetrics;
import java.util.List;

/** Counts of OTLP items, the units the pipeline counts and bounds. Stateless. */
public final class Items {
  private Items() {}

  /** Data points of one metric; a metric without data counts as 0. */
  public static int dataPoints(Metric m) {
    return switch (m.getDataCase()) {
      case GAUGE -> m.getGauge().getDataPointsCount();
      case SUM -> m.getSum().getDataPointsCount();
      case HISTOGRAM -> m.getHistogram().getDataPointsCount();
      case EXPONENTIAL_HISTOGRAM -> m.getExponentialHistogram().getDataPointsCount();
      case SUMMARY -> m.getSummary().getDataPointsCount();
      case DATA_NOT_SET -> 0;
    };
  }

  /** Data points of every metric in {@code metrics}. */
  public static long dataPoints(List<ResourceMetrics> metrics) {
    long n = 0;
    for (ResourceMetrics rm : metrics) {
      for (ScopeMetrics sm : rm.getScopeMetricsList()) {
        for (Metric m : sm.getMetricsList()) {
          n += dataPoints(m);
        }
      }
    }
    return n;
  }
}
