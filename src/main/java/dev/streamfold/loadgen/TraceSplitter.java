package dev.streamfold.loadgen;

import io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.logs.v1.LogRecord;
import io.opentelemetry.proto.logs.v1.ResourceLogs;
import io.opentelemetry.proto.logs.v1.ScopeLogs;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import java.util.ArrayList;
import java.util.List;

/**
 * Splits an export request into one request per ring endpoint, by trace id, as the
 * {@code loadbalancing} exporter does: each item goes to its trace id's owner under its own
 * resource and scope, item order within a scope kept. A log record without a trace id (none
 * of the generator's) goes to the endpoint of its all-zero id. Stateless.
 */
final class TraceSplitter {
  private TraceSplitter() {}

  /** Index {@code i} holds the part for {@code ring.endpoints().get(i)}, or {@code null} when it gets nothing. */
  static ExportTraceServiceRequest[] split(ExportTraceServiceRequest request, HashRing ring) {
    int n = ring.endpoints().size();
    ExportTraceServiceRequest.Builder[] out = new ExportTraceServiceRequest.Builder[n];
    List<List<Span>> bins = bins(n);
    for (ResourceSpans rs : request.getResourceSpansList()) {
      ResourceSpans.Builder[] resources = new ResourceSpans.Builder[n];
      for (ScopeSpans ss : rs.getScopeSpansList()) {
        for (Span s : ss.getSpansList()) {
          bins.get(ring.indexFor(s.getTraceId())).add(s);
        }
        for (int e = 0; e < n; e++) {
          List<Span> bin = bins.get(e);
          if (bin.isEmpty()) {
            continue;
          }
          if (resources[e] == null) {
            resources[e] = rs.toBuilder().clearScopeSpans();
          }
          resources[e].addScopeSpans(ss.toBuilder().clearSpans().addAllSpans(bin));
          bin.clear();
        }
      }
      for (int e = 0; e < n; e++) {
        if (resources[e] != null) {
          if (out[e] == null) {
            out[e] = ExportTraceServiceRequest.newBuilder();
          }
          out[e].addResourceSpans(resources[e]);
        }
      }
    }
    ExportTraceServiceRequest[] parts = new ExportTraceServiceRequest[n];
    for (int e = 0; e < n; e++) {
      parts[e] = out[e] == null ? null : out[e].build();
    }
    return parts;
  }

  /** As {@link #split(ExportTraceServiceRequest, HashRing)} for log records. */
  static ExportLogsServiceRequest[] split(ExportLogsServiceRequest request, HashRing ring) {
    int n = ring.endpoints().size();
    ExportLogsServiceRequest.Builder[] out = new ExportLogsServiceRequest.Builder[n];
    List<List<LogRecord>> bins = bins(n);
    for (ResourceLogs rl : request.getResourceLogsList()) {
      ResourceLogs.Builder[] resources = new ResourceLogs.Builder[n];
      for (ScopeLogs sl : rl.getScopeLogsList()) {
        for (LogRecord l : sl.getLogRecordsList()) {
          bins.get(ring.indexFor(l.getTraceId())).add(l);
        }
        for (int e = 0; e < n; e++) {
          List<LogRecord> bin = bins.get(e);
          if (bin.isEmpty()) {
            continue;
          }
          if (resources[e] == null) {
            resources[e] = rl.toBuilder().clearScopeLogs();
          }
          resources[e].addScopeLogs(sl.toBuilder().clearLogRecords().addAllLogRecords(bin));
          bin.clear();
        }
      }
      for (int e = 0; e < n; e++) {
        if (resources[e] != null) {
          if (out[e] == null) {
            out[e] = ExportLogsServiceRequest.newBuilder();
          }
          out[e].addResourceLogs(resources[e]);
        }
      }
    }
    ExportLogsServiceRequest[] parts = new ExportLogsServiceRequest[n];
    for (int e = 0; e < n; e++) {
      parts[e] = out[e] == null ? null : out[e].build();
    }
    return parts;
  }

  private static <T> List<List<T>> bins(int n) {
    List<List<T>> bins = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      bins.add(new ArrayList<>());
    }
    return bins;
  }
}
