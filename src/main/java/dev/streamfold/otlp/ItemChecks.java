package dev.streamfold.otlp;

import com.google.protobuf.ByteString;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.InstrumentationScope;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.logs.v1.LogRecord;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.Span;
import java.time.Duration;
import java.util.List;

/**
 * The per-item validation rules of SPEC 6 ("bad input"). Each check returns null when valid,
 * else a short constant reason. Spans: trace id 16 bytes and not all zero, span id 8 bytes and
 * not all zero, parent span id empty or 8 bytes, link ids 16 / 8 bytes, start and end set, end
 * not before start, neither more than {@link #MAX_FUTURE} ahead of the clock. Log records: trace
 * id empty or 16 bytes, span id empty or 8 bytes, timestamps not more than {@link #MAX_FUTURE}
 * ahead. Any item, resource or scope: at most {@link #MAX_ATTRIBUTES} attributes per attribute
 * set, values nested at most {@link #MAX_DEPTH} levels (a scalar attribute is level 1; each
 * array or key-value list adds one). NaN and infinite doubles are valid OTLP. Stateless.
 */
public final class ItemChecks {
  public static final int MAX_ATTRIBUTES = 10_000;
  public static final int MAX_DEPTH = 16;
  public static final Duration MAX_FUTURE = Duration.ofDays(1);

  private ItemChecks() {}

  public static String checkSpan(Span s, long futureLimitNanos) {
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

  public static String checkLog(LogRecord log, long futureLimitNanos) {
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

  public static String checkResource(Resource r) {
    String attrs = checkAttributes(r.getAttributesList());
    return attrs == null ? null : "resource " + attrs;
  }

  public static String checkScope(InstrumentationScope s) {
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
}
