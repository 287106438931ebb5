package dev.streamfold.receiver;

import dev.streamfold.otlp.Items;
import com.google.protobuf.ByteString;
import io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.InstrumentationScope;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.logs.v1.LogRecord;
import io.opentelemetry.proto.logs.v1.ResourceLogs;
import io.opentelemetry.proto.logs.v1.ScopeLogs;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import dev.streamfold.time.Clock;
import java.time.Duration;
import java.util.BitSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Per-item validation of decoded OTLP requests (SPEC 6 "bad input"). Invalid items are removed
 * and the rest of the request is kept; a request in which nothing is invalid is returned as is
 * (no copy). Stateless apart from the clock; thread-safe.
 *
 * <p>Rules. Spans: trace id 16 bytes and not all zero, span id 8 bytes and not all zero, parent
 * span id empty or 8 bytes, link ids 16 / 8 bytes, start and end set, end not before start,
 * neither more than {@link #MAX_FUTURE} ahead of the clock. Log records: trace id empty or 16
 * bytes, span id empty or 8 bytes, timestamps not more than {@link #MAX_FUTURE} ahead. Any item
 * (and the resource / scope it belongs to): at most {@link #MAX_ATTRIBUTES} attributes per
 * attribute set, values nested at most {@link #MAX_DEPTH} levels (a scalar attribute is level
 * 1; each array or key-value list adds one). An invalid resource or scope rejects all its items.
 * NaN and infinite doubles are valid OTLP and kept. Metrics are not validated, only counted.
 */
final class OtlpValidator {
  static final int MAX_ATTRIBUTES = 10_000;
  static final int MAX_DEPTH = 16;
  static final Duration MAX_FUTURE = Duration.ofDays(1);
  /** Distinct reasons named in a partial_success message. */
  private static final int MESSAGE_REASONS = 3;

  private final Clock clock;

  OtlpValidator(Clock clock) {
    this.clock = clock;
  }

  /**
   * Outcome of validating one request.
   *
   * @param request the request to hand on: the original when {@code rejected == 0}
   * @param items valid items kept (spans, log records or metric data points)
   * @param spanEvents span events on the kept spans (traces only, else 0)
   * @param rejected items removed
   * @param message empty when nothing was rejected, else names the first few reasons
   */
  record Result<T>(T request, long items, long spanEvents, long rejected, String message) {}

  Result<ExportTraceServiceRequest> traces(ExportTraceServiceRequest request) {
    long futureLimit = futureLimitNanos();
    Rejections rejections = null;
    long spans = 0;
    long events = 0;
    int index = 0;
    for (int r = 0, nr = request.getResourceSpansCount(); r < nr; r++) {
      ResourceSpans rs = request.getResourceSpans(r);
      String resourceProblem = checkResource(rs.getResource());
      for (int c = 0, nc = rs.getScopeSpansCount(); c < nc; c++) {
        ScopeSpans ss = rs.getScopeSpans(c);
        String scopeProblem = resourceProblem != null ? resourceProblem : checkScope(ss.getScope());
        for (int i = 0, ni = ss.getSpansCount(); i < ni; i++) {
          Span span = ss.getSpans(i);
          String problem = scopeProblem != null ? scopeProblem : checkSpan(span, futureLimit);
          if (problem == null) {
            spans++;
            events += span.getEventsCount();
          } else {
            if (rejections == null) {
              rejections = new Rejections();
            }
            rejections.reject(index, problem);
          }
          index++;
        }
      }
    }
    if (rejections == null) {
      return new Result<>(request, spans, events, 0, "");
    }
    return new Result<>(
        removeSpans(request, rejections.indexes),
        spans,
        events,
        rejections.count,
        rejections.message("span"));
  }

  Result<ExportLogsServiceRequest> logs(ExportLogsServiceRequest request) {
    long futureLimit = futureLimitNanos();
    Rejections rejections = null;
    long records = 0;
    int index = 0;
    for (int r = 0, nr = request.getResourceLogsCount(); r < nr; r++) {
      ResourceLogs rl = request.getResourceLogs(r);
      String resourceProblem = checkResource(rl.getResource());
      for (int c = 0, nc = rl.getScopeLogsCount(); c < nc; c++) {
        ScopeLogs sl = rl.getScopeLogs(c);
        String scopeProblem = resourceProblem != null ? resourceProblem : checkScope(sl.getScope());
        for (int i = 0, ni = sl.getLogRecordsCount(); i < ni; i++) {
          LogRecord log = sl.getLogRecords(i);
          String problem = scopeProblem != null ? scopeProblem : checkLog(log, futureLimit);
          if (problem == null) {
            records++;
          } else {
            if (rejections == null) {
              rejections = new Rejections();
            }
            rejections.reject(index, problem);
          }
          index++;
        }
      }
    }
    if (rejections == null) {
      return new Result<>(request, records, 0, 0, "");
    }
    return new Result<>(
        removeLogs(request, rejections.indexes),
        records,
        0,
        rejections.count,
        rejections.message("log record"));
  }

  /** Metrics pass through unchanged; only their data points are counted. */
  Result<ExportMetricsServiceRequest> metrics(ExportMetricsServiceRequest request) {
    return new Result<>(request, Items.dataPoints(request.getResourceMetricsList()), 0, 0, "");
  }

  /** Spans in a request, valid or not. */
  static long spans(ExportTraceServiceRequest request) {
    long n = 0;
    for (ResourceSpans rs : request.getResourceSpansList()) {
      for (ScopeSpans ss : rs.getScopeSpansList()) {
        n += ss.getSpansCount();
      }
    }
    return n;
  }

  /** Log records in a request, valid or not. */
  static long logRecords(ExportLogsServiceRequest request) {
    long n = 0;
    for (ResourceLogs rl : request.getResourceLogsList()) {
      for (ScopeLogs sl : rl.getScopeLogsList()) {
        n += sl.getLogRecordsCount();
      }
    }
    return n;
  }

  private long futureLimitNanos() {
    long nowMillis = clock.epochMillis();
    return Math.multiplyExact(nowMillis, 1_000_000L) + MAX_FUTURE.toNanos();
  }

  // ---- checks: each returns null when valid, else a short constant reason ----

  static String checkSpan(Span s, long futureLimitNanos) {
    String id = checkId(s.getTraceId(), 16, false, "trace_id");
    if (id != null) {
      return id;
    }
    id = checkId(s.getSpanId(), 8, false, "span_id");
    if (id != null) {
      return id;
    }
    int parent = s.getParentSpanId().size();
    if (parent != 0 && parent != 8) {
      return "parent_span_id is not empty or 8 bytes";
    }
    long start = s.getStartTimeUnixNano();
    long end = s.getEndTimeUnixNano();
    if (start == 0) {
      return "start_time_unix_nano is 0";
    }
    if (end == 0) {
      return "end_time_unix_nano is 0";
    }
    if (Long.compareUnsigned(end, start) < 0) {
      return "end_time_unix_nano before start_time_unix_nano";
    }
    if (Long.compareUnsigned(end, futureLimitNanos) > 0) {
      return "timestamp more than 1 day in the future";
    }
    String attrs = checkAttributes(s.getAttributesList());
    if (attrs != null) {
      return attrs;
    }
    for (int i = 0, n = s.getEventsCount(); i < n; i++) {
      attrs = checkAttributes(s.getEvents(i).getAttributesList());
      if (attrs != null) {
        return "event " + attrs;
      }
    }
    for (int i = 0, n = s.getLinksCount(); i < n; i++) {
      Span.Link link = s.getLinks(i);
      if (link.getTraceId().size() != 16) {
        return "link trace_id is not 16 bytes";
      }
      if (link.getSpanId().size() != 8) {
        return "link span_id is not 8 bytes";
      }
      attrs = checkAttributes(link.getAttributesList());
      if (attrs != null) {
        return "link " + attrs;
      }
    }
    return null;
  }

  static String checkLog(LogRecord log, long futureLimitNanos) {
    String id = checkId(log.getTraceId(), 16, true, "trace_id");
    if (id != null) {
      return id;
    }
    id = checkId(log.getSpanId(), 8, true, "span_id");
    if (id != null) {
      return id;
    }
    if (Long.compareUnsigned(log.getTimeUnixNano(), futureLimitNanos) > 0
        || Long.compareUnsigned(log.getObservedTimeUnixNano(), futureLimitNanos) > 0) {
      return "timestamp more than 1 day in the future";
    }
    String attrs = checkAttributes(log.getAttributesList());
    if (attrs != null) {
      return attrs;
    }
    if (log.hasBody() && tooDeep(log.getBody(), 1)) {
      return "body nested more than " + MAX_DEPTH + " levels";
    }
    return null;
  }

  private static String checkResource(Resource r) {
    String attrs = checkAttributes(r.getAttributesList());
    return attrs == null ? null : "resource " + attrs;
  }

  private static String checkScope(InstrumentationScope s) {
    String attrs = checkAttributes(s.getAttributesList());
    return attrs == null ? null : "scope " + attrs;
  }

  /** Log ids may be empty (no context); an all-zero log id is treated as "no context" too. */
  private static String checkId(ByteString id, int length, boolean emptyAllowed, String field) {
    int size = id.size();
    if (size == 0 && emptyAllowed) {
      return null;
    }
    if (size != length) {
      return emptyAllowed
          ? field + " is not empty or " + length + " bytes"
          : field + " is not " + length + " bytes";
    }
    if (!emptyAllowed && allZero(id)) {
      return field + " is all zero";
    }
    return null;
  }

  private static boolean allZero(ByteString id) {
    for (int i = 0, n = id.size(); i < n; i++) {
      if (id.byteAt(i) != 0) {
        return false;
      }
    }
    return true;
  }

  private static String checkAttributes(List<KeyValue> attributes) {
    int n = attributes.size();
    if (n > MAX_ATTRIBUTES) {
      return "has more than " + MAX_ATTRIBUTES + " attributes";
    }
    for (int i = 0; i < n; i++) {
      if (tooDeep(attributes.get(i).getValue(), 1)) {
        return "attribute nested more than " + MAX_DEPTH + " levels";
      }
    }
    return null;
  }

  /** Recursion depth is bounded by {@link #MAX_DEPTH}: deeper values stop the walk. */
  private static boolean tooDeep(AnyValue v, int level) {
    if (level > MAX_DEPTH) {
      return true;
    }
    switch (v.getValueCase()) {
      case ARRAY_VALUE:
        for (AnyValue c : v.getArrayValue().getValuesList()) {
          if (tooDeep(c, level + 1)) {
            return true;
          }
        }
        return false;
      case KVLIST_VALUE:
        for (KeyValue c : v.getKvlistValue().getValuesList()) {
          if (tooDeep(c.getValue(), level + 1)) {
            return true;
          }
        }
        return false;
      default:
        return false;
    }
  }

  // ---- removal: only resources / scopes holding a rejected item are rebuilt ----

  private static ExportTraceServiceRequest removeSpans(ExportTraceServiceRequest request, BitSet rejected) {
    ExportTraceServiceRequest.Builder out = ExportTraceServiceRequest.newBuilder();
    int index = 0;
    for (ResourceSpans rs : request.getResourceSpansList()) {
      int count = 0;
      for (ScopeSpans ss : rs.getScopeSpansList()) {
        count += ss.getSpansCount();
      }
      if (rejected.nextSetBit(index) < 0 || rejected.nextSetBit(index) >= index + count) {
        if (count > 0) {
          out.addResourceSpans(rs);
        }
        index += count;
        continue;
      }
      ResourceSpans.Builder rb = rs.toBuilder().clearScopeSpans();
      for (ScopeSpans ss : rs.getScopeSpansList()) {
        ScopeSpans.Builder sb = null;
        int n = ss.getSpansCount();
        for (int i = 0; i < n; i++, index++) {
          if (!rejected.get(index)) {
            if (sb == null) {
              sb = ss.toBuilder().clearSpans();
            }
            sb.addSpans(ss.getSpans(i));
          }
        }
        if (sb != null) {
          rb.addScopeSpans(sb);
        }
      }
      if (rb.getScopeSpansCount() > 0) {
        out.addResourceSpans(rb);
      }
    }
    return out.build();
  }

  private static ExportLogsServiceRequest removeLogs(ExportLogsServiceRequest request, BitSet rejected) {
    ExportLogsServiceRequest.Builder out = ExportLogsServiceRequest.newBuilder();
    int index = 0;
    for (ResourceLogs rl : request.getResourceLogsList()) {
      int count = 0;
      for (ScopeLogs sl : rl.getScopeLogsList()) {
        count += sl.getLogRecordsCount();
      }
      if (rejected.nextSetBit(index) < 0 || rejected.nextSetBit(index) >= index + count) {
        if (count > 0) {
          out.addResourceLogs(rl);
        }
        index += count;
        continue;
      }
      ResourceLogs.Builder rb = rl.toBuilder().clearScopeLogs();
      for (ScopeLogs sl : rl.getScopeLogsList()) {
        ScopeLogs.Builder sb = null;
        int n = sl.getLogRecordsCount();
        for (int i = 0; i < n; i++, index++) {
          if (!rejected.get(index)) {
            if (sb == null) {
              sb = sl.toBuilder().clearLogRecords();
            }
            sb.addLogRecords(sl.getLogRecords(i));
          }
        }
        if (sb != null) {
          rb.addScopeLogs(sb);
        }
      }
      if (rb.getScopeLogsCount() > 0) {
        out.addResourceLogs(rb);
      }
    }
    return out.build();
  }

  /** Rejected item indexes (in request order) and a count per reason. */
  private static final class Rejections {
    final BitSet indexes = new BitSet();
    final Map<String, long[]> reasons = new LinkedHashMap<>();
    long count;

    void reject(int index, String reason) {
      indexes.set(index);
      count++;
      long[] c = reasons.get(reason);
      if (c != null) {
        c[0]++;
      } else if (reasons.size() <= MESSAGE_REASONS) {
        reasons.put(reason, new long[] {1});
      }
    }

    String message(String unit) {
      StringBuilder sb = new StringBuilder();
      sb.append(count).append(' ').append(unit).append(count == 1 ? "" : "s").append(" rejected: ");
      int i = 0;
      for (Map.Entry<String, long[]> e : reasons.entrySet()) {
        if (i == MESSAGE_REASONS) {
          sb.append(", ...");
          break;
        }
        if (i > 0) {
          sb.append(", ");
        }
        sb.append(e.getKey()).append(" (").append(e.getValue()[0]).append(')');
        i++;
      }
      return sb.toString();
    }
  }
}
