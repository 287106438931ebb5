package dev.streamfold.receiver;

import dev.streamfold.pipeline.IngestResult;
import dev.streamfold.pipeline.Ingress;
import io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;

/** Test Ingress: records every request it is handed and answers {@link #answer}. */
class RecordingIngress implements Ingress {
  final List<ExportTraceServiceRequest> traces = new CopyOnWriteArrayList<>();
  final List<ExportLogsServiceRequest> logs = new CopyOnWriteArrayList<>();
  final List<ExportMetricsServiceRequest> metrics = new CopyOnWriteArrayList<>();
  final AtomicReference<IngestResult> answer = new AtomicReference<>(IngestResult.OK);

  @Override
  public IngestResult traces(ExportTraceServiceRequest request) {
    traces.add(request);
    return answer.get();
  }

  @Override
  public IngestResult logs(ExportLogsServiceRequest request) {
    logs.add(request);
    return answer.get();
  }

  @Override
  public IngestResult metrics(ExportMetricsServiceRequest request) {
    metrics.add(request);
    return answer.get();
  }

  void clear() {
    traces.clear();
    logs.clear();
    metrics.clear();
    answer.set(IngestResult.OK);
  }
}
