package dev.streamfold.loadgen;

import io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.logs.v1.ResourceLogs;
import io.opentelemetry.proto.logs.v1.ScopeLogs;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import java.io.PrintStream;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Spans and log records handed to each endpoint by the {@link RoutingTransport}s of a run
 * (sent, whatever the answer). Thread-safe; bounded by the endpoints of the ring schedule.
 */
final class RouteCounts {
  private final Map<String, AtomicLongArray> byEndpoint = new ConcurrentHashMap<>();

  void add(String endpoint, long spans, long logs) {
    AtomicLongArray a = byEndpoint.computeIfAbsent(endpoint, k -> new AtomicLongArray(2));
    a.addAndGet(0, spans);
    a.addAndGet(1, logs);
  }

  long spans(String endpoint) {
    AtomicLongArray a = byEndpoint.get(endpoint);
    return a == null ? 0 : a.get(0);
  }

  long logs(String endpoint) {
    AtomicLongArray a = byEndpoint.get(endpoint);
    return a == null ? 0 : a.get(1);
  }

  /** One line per endpoint, sorted: {@code loadgen: routed to HOST:PORT: N spans, M log records}. */
  void print(PrintStream out) {
    for (String e : new TreeMap<>(byEndpoint).keySet()) {
      out.printf(Locale.ROOT, "loadgen: routed to %s: %d spans, %d log records%n", e, spans(e), logs(e));
    }
  }

  static long spans(ExportTraceServiceRequest r) {
    long n = 0;
    for (ResourceSpans rs : r.getResourceSpansList()) {
      for (ScopeSpans ss : rs.getScopeSpansList()) {
        n += ss.getSpansCount();
      }
    }
    return n;
  }

  static long events(ExportTraceServiceRequest r) {
    long n = 0;
    for (ResourceSpans rs : r.getResourceSpansList()) {
      for (ScopeSpans ss : rs.getScopeSpansList()) {
        for (var s : ss.getSpansList()) {
          n += s.getEventsCount();
        }
      }
    }
    return n;
  }

  static long logs(ExportLogsServiceRequest r) {
    long n = 0;
    for (ResourceLogs rl : r.getResourceLogsList()) {
      for (ScopeLogs sl : rl.getScopeLogsList()) {
        n += sl.getLogRecordsCount();
      }
    }
    return n;
  }
}
