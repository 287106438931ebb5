package dev.streamfold.telemetry;

import dev.streamfold.otlp.Items;
import dev.streamfold.pipeline.Downstream;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest;
import io.opentelemetry.proto.metrics.v1.ResourceMetrics;
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
    int points = (int) Math.min(Integer.MAX_VALUE, Items.dataPoints(metrics));
    if (points == 0) {
      return;
    }
    if (!downstream.offerMetrics(metrics, points)) {
      log.debug("export queue refused {} self-metric data points", points);
    }
  }
}
