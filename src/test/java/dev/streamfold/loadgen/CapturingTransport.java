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
import java.util.Collections;
import java.util.List;

/** Keeps every request (round-tripped through bytes, as a receiver would see it) and answers OK. */
final class CapturingTransport implements Transport {
  final List<ExportTraceServiceRequest> traces = Collections.synchronizedList(new ArrayList<>());
  final List<ExportLogsServiceRequest> logs = Collections.synchronizedList(new ArrayList<>());
  private final LoadStats stats;

  CapturingTransport(LoadStats stats) {
    this.stats = stats;
  }

  @Override
  public void send(ExportTraceServiceRequest request, long[] counts) {
    try {
      traces.add(ExportTraceServiceRequest.parseFrom(request.toByteArray()));
    } catch (com.google.protobuf.InvalidProtocolBufferException e) {
      throw new AssertionError(e);
    }
    stats.add(LoadStats.SENT, counts);
    stats.add(LoadStats.OK, counts);
  }

  @Override
  public void send(ExportLogsServiceRequest request, long[] counts) {
    try {
      logs.add(ExportLogsServiceRequest.parseFrom(request.toByteArray()));
    } catch (com.google.protobuf.InvalidProtocolBufferException e) {
      throw new AssertionError(e);
    }
    stats.add(LoadStats.SENT, counts);
    stats.add(LoadStats.OK, counts);
  }

  @Override
  public boolean awaitIdle(long timeoutMillis) {
    return true;
  }

  @Override
  public void close() {}

  /** All captured spans with their resource's service.name. */
  static List<Captured<Span>> spans(List<CapturingTransport> ts) {
    List<Captured<Span>> out = new ArrayList<>();
    for (CapturingTransport t : ts) {
      for (ExportTraceServiceRequest r : t.traces) {
        for (ResourceSpans rs : r.getResourceSpansList()) {
          String service = rs.getResource().getAttributes(0).getValue().getStringValue();
          for (ScopeSpans ss : rs.getScopeSpansList()) {
            for (Span s : ss.getSpansList()) {
              out.add(new Captured<>(service, ss.getScope().getName(), s));
            }
          }
        }
      }
    }
    return out;
  }

  static List<Captured<LogRecord>> logs(List<CapturingTransport> ts) {
    List<Captured<LogRecord>> out = new ArrayList<>();
    for (CapturingTransport t : ts) {
      for (ExportLogsServiceRequest r : t.logs) {
        for (ResourceLogs rl : r.getResourceLogsList()) {
          String service = rl.getResource().getAttributes(0).getValue().getStringValue();
          for (ScopeLogs sl : rl.getScopeLogsList()) {
            for (LogRecord l : sl.getLogRecordsList()) {
              out.add(new Captured<>(service, sl.getScope().getName(), l));
            }
          }
        }
      }
    }
    return out;
  }

  record Captured<T>(String service, String scope, T item) {}
}
