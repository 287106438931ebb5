package dev.streamfold.testing;

import dev.streamfold.pipeline.Downstream;
import io.opentelemetry.proto.logs.v1.LogRecord;
import io.opentelemetry.proto.logs.v1.ResourceLogs;
import io.opentelemetry.proto.logs.v1.ScopeLogs;
import io.opentelemetry.proto.metrics.v1.ResourceMetrics;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** A Downstream that records everything offered. Thread-safe. */
public final class RecordingDownstream implements Downstream {
  public final List<ResourceSpans> spans = new CopyOnWriteArrayList<>();
  public final List<ResourceLogs> logs = new CopyOnWriteArrayList<>();
  public final List<ResourceMetrics> metrics = new CopyOnWriteArrayList<>();

  @Override
  public boolean offerSpans(List<ResourceSpans> s, int items) {
    spans.addAll(s);
    return true;
  }

  @Override
  public boolean offerLogs(List<ResourceLogs> l, int items) {
    logs.addAll(l);
    return true;
  }

  @Override
  public boolean offerMetrics(List<ResourceMetrics> m, int items) {
    metrics.addAll(m);
    return true;
  }




  @Override
  public void shutdown(Duration timeout) {}

  /** All spans received, flattened. */
  public List<Span> allSpans() {
    List<Span> out = new ArrayList<>();
    for (ResourceSpans rs : spans) {
      for (ScopeSpans ss : rs.getScopeSpansList()) {
        out.addAll(ss.getSpansList());
      }
    }
    return out;
  }

  public List<LogRecord> allLogs() {
    List<LogRecord> out = new ArrayList<>();
    for (ResourceLogs rl : logs) {
      for (ScopeLogs sl : rl.getScopeLogsList()) {
        out.addAll(sl.getLogRecordsList());
      }
    }
    return out;
  }

  public void clear() {
    spans.clear();
    logs.clear();
    metrics.clear();
  }
}
