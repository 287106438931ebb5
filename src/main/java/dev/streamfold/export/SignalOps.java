package dev.streamfold.export;

import dev.streamfold.otlp.Items;
import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.Message;
import dev.streamfold.pipeline.Signal;
import io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.logs.v1.LogRecord;
import io.opentelemetry.proto.logs.v1.ResourceLogs;
import io.opentelemetry.proto.logs.v1.ScopeLogs;
import io.opentelemetry.proto.metrics.v1.Metric;
import io.opentelemetry.proto.metrics.v1.ResourceMetrics;
import io.opentelemetry.proto.metrics.v1.ScopeMetrics;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import java.util.ArrayList;
import java.util.List;

/**
 * Per-signal operations the batcher and the retry step need: count items in a resource entry,
 * split an entry that is larger than a batch, assemble entries into one export request, and
 * halve a request the downstream refused as too large. Stateless.
 *
 * <p>Items are spans, log records and metric data points. Traces and logs split at item
 * granularity; metrics split at metric granularity (a single metric with more points than
 * a batch stays whole), keeping resource and scope on every piece.
 */
abstract class SignalOps<R extends Message> {
  final Signal signal;

  private SignalOps(Signal signal) {
    this.signal = signal;
  }

  abstract long count(R resource);

  /** Pieces of at most {@code max} items each (metrics: see class doc). */
  abstract List<R> split(R resource, int max);

  abstract Message assemble(List<R> resources);

  /** The resource entries of an export request of this signal. */
  abstract List<R> entries(Message request);

  /** Bytes a resource entry adds to an export request: field tag, length prefix and payload. */
  static long framedSize(Message entry) {
    int size = entry.getSerializedSize();
    return 1 + CodedOutputStream.computeUInt32SizeNoTag(size) + size;
  }

  static SignalOps<?> of(Signal signal) {
    return switch (signal) {
      case TRACES -> TRACES;
      case LOGS -> LOGS;
      case METRICS -> METRICS;
    };
  }

  /**
   * Splits a request into two of about half the items each (an entry straddling the middle is
   * split), or returns {@code null} when it cannot be split: one item, or one metric.
   */
  static List<ExportRequest> halve(ExportRequest request) {
    return of(request.signal()).halveRequest(request);
  }

  private List<ExportRequest> halveRequest(ExportRequest request) {
    List<R> entries = entries(request.message());
    long total = count(entries);
    if (total < 2) {
      return null;
    }
    long target = total / 2;
    List<R> left = new ArrayList<>();
    List<R> right = new ArrayList<>();
    long acc = 0;
    for (R r : entries) {
      long c = count(r);
      if (acc >= target) {
        right.add(r);
      } else if (acc + c <= target) {
        left.add(r);
        acc += c;
      } else {
        List<R> pieces = split(r, (int) Math.min(Integer.MAX_VALUE, target - acc));
        left.add(pieces.get(0));
        acc += count(pieces.get(0));
        right.addAll(pieces.subList(1, pieces.size()));
      }
    }
    if (left.isEmpty() || right.isEmpty()) {
      if (entries.size() < 2) {
        return null;
      }
      left = entries.subList(0, entries.size() / 2);
      right = entries.subList(entries.size() / 2, entries.size());
    }
    return List.of(
        ExportRequest.of(signal, assemble(left), count(left)), ExportRequest.of(signal, assemble(right), count(right)));
  }

  final long count(List<? extends R> resources) {
    long n = 0;
    for (R r : resources) {
      n += count(r);
    }
    return n;
  }

  static final SignalOps<ResourceSpans> TRACES =
      new SignalOps<>(Signal.TRACES) {
        @Override
        long count(ResourceSpans r) {
          long n = 0;
          for (ScopeSpans s : r.getScopeSpansList()) {
            n += s.getSpansCount();
          }
          return n;
        }

        @Override
        List<ResourceSpans> split(ResourceSpans r, int max) {
          List<ResourceSpans> out = new ArrayList<>();
          ResourceSpans.Builder cur = r.toBuilder().clearScopeSpans();
          int n = 0;
          for (ScopeSpans ss : r.getScopeSpansList()) {
            ScopeSpans.Builder cs = ss.toBuilder().clearSpans();
            for (Span s : ss.getSpansList()) {
              if (n == max) {
                if (cs.getSpansCount() > 0) {
                  cur.addScopeSpans(cs.build());
                }
                out.add(cur.build());
                cur = r.toBuilder().clearScopeSpans();
                cs = ss.toBuilder().clearSpans();
                n = 0;
              }
              cs.addSpans(s);
              n++;
            }
            if (cs.getSpansCount() > 0) {
              cur.addScopeSpans(cs.build());
            }
          }
          if (n > 0) {
            out.add(cur.build());
          }
          return out;
        }

        @Override
        Message assemble(List<ResourceSpans> resources) {
          return ExportTraceServiceRequest.newBuilder().addAllResourceSpans(resources).build();
        }

        @Override
        List<ResourceSpans> entries(Message request) {
          return ((ExportTraceServiceRequest) request).getResourceSpansList();
        }
      };

  static final SignalOps<ResourceLogs> LOGS =
      new SignalOps<>(Signal.LOGS) {
        @Override
        long count(ResourceLogs r) {
          long n = 0;
          for (ScopeLogs s : r.getScopeLogsList()) {
            n += s.getLogRecordsCount();
          }
          return n;
        }

        @Override
        List<ResourceLogs> split(ResourceLogs r, int max) {
          List<ResourceLogs> out = new ArrayList<>();
          ResourceLogs.Builder cur = r.toBuilder().clearScopeLogs();
          int n = 0;
          for (ScopeLogs sl : r.getScopeLogsList()) {
            ScopeLogs.Builder cs = sl.toBuilder().clearLogRecords();
            for (LogRecord l : sl.getLogRecordsList()) {
              if (n == max) {
                if (cs.getLogRecordsCount() > 0) {
                  cur.addScopeLogs(cs.build());
                }
                out.add(cur.build());
                cur = r.toBuilder().clearScopeLogs();
                cs = sl.toBuilder().clearLogRecords();
                n = 0;
              }
              cs.addLogRecords(l);
              n++;
            }
            if (cs.getLogRecordsCount() > 0) {
              cur.addScopeLogs(cs.build());
            }
          }
          if (n > 0) {
            out.add(cur.build());
          }
          return out;
        }

        @Override
        Message assemble(List<ResourceLogs> resources) {
          return ExportLogsServiceRequest.newBuilder().addAllResourceLogs(resources).build();
        }

        @Override
        List<ResourceLogs> entries(Message request) {
          return ((ExportLogsServiceRequest) request).getResourceLogsList();
        }
      };

  static final SignalOps<ResourceMetrics> METRICS =
      new SignalOps<>(Signal.METRICS) {
        @Override
        long count(ResourceMetrics r) {
          long n = 0;
          for (ScopeMetrics s : r.getScopeMetricsList()) {
            for (Metric m : s.getMetricsList()) {
              n += Items.dataPoints(m);
            }
          }
          return n;
        }

        @Override
        List<ResourceMetrics> split(ResourceMetrics r, int max) {
          List<ResourceMetrics> out = new ArrayList<>();
          ResourceMetrics.Builder cur = r.toBuilder().clearScopeMetrics();
          long n = 0;
          for (ScopeMetrics sm : r.getScopeMetricsList()) {
            ScopeMetrics.Builder cs = sm.toBuilder().clearMetrics();
            for (Metric m : sm.getMetricsList()) {
              long p = Items.dataPoints(m);
              if (n > 0 && n + p > max) {
                if (cs.getMetricsCount() > 0) {
                  cur.addScopeMetrics(cs.build());
                }
                out.add(cur.build());
                cur = r.toBuilder().clearScopeMetrics();
                cs = sm.toBuilder().clearMetrics();
                n = 0;
              }
              cs.addMetrics(m);
              n += p;
            }
            if (cs.getMetricsCount() > 0) {
              cur.addScopeMetrics(cs.build());
            }
          }
          if (cur.getScopeMetricsCount() > 0) {
            out.add(cur.build());
          }
          return out;
        }

        @Override
        Message assemble(List<ResourceMetrics> resources) {
          return ExportMetricsServiceRequest.newBuilder().addAllResourceMetrics(resources).build();
        }

        @Override
        List<ResourceMetrics> entries(Message request) {
          return ((ExportMetricsServiceRequest) request).getResourceMetricsList();
        }
      };

  static long items(ExportMetricsServiceRequest request) {
    return METRICS.count(request.getResourceMetricsList());
  }
}
