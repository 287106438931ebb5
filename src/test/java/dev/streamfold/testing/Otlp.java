package dev.streamfold.testing;

import com.google.protobuf.ByteString;
import dev.streamfold.otlp.Attributes;
import io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest;
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
import java.util.List;

/** Small builders for OTLP test data. Times are in milliseconds from a fixed epoch base. */
public final class Otlp {
  public static final long BASE = 1_700_000_000_000_000_000L;
  public static final Resource RESOURCE =
      Resource.newBuilder().addAttributes(Attributes.of("service.name", "chat-app")).build();
  public static final InstrumentationScope SCOPE = InstrumentationScope.newBuilder().setName("test").setVersion("1").build();

  private Otlp() {}

  public static long ms(double ms) {
    return BASE + (long) (ms * 1_000_000L);
  }

  public static ByteString trace(int n) {
    byte[] b = new byte[16];
    b[0] = 0x0a;
    b[15] = (byte) n;
    b[14] = (byte) (n >> 8);
    b[13] = (byte) (n >> 16);
    return ByteString.copyFrom(b);
  }

  public static ByteString id(long n) {
    byte[] b = new byte[8];
    long v = n | 0x1000_0000_0000_0000L;
    for (int i = 7; i >= 0; i--) {
      b[i] = (byte) v;
      v >>>= 8;
    }
    return ByteString.copyFrom(b);
  }

  public static String hex(ByteString b) {
    return java.util.HexFormat.of().formatHex(b.toByteArray());
  }

  public static Span.Builder span(ByteString trace, ByteString id, ByteString parent, String name, double startMs, double endMs) {
    Span.Builder b = Span.newBuilder().setTraceId(trace).setSpanId(id).setName(name)
        .setStartTimeUnixNano(ms(startMs)).setEndTimeUnixNano(ms(endMs)).setKind(Span.SpanKind.SPAN_KIND_INTERNAL);
    if (parent != null) {
      b.setParentSpanId(parent);
    }
    return b;
  }

  /** A Burr-style chunk span {@code action::chunk_N} ending at endMs. */
  public static Span chunk(ByteString trace, ByteString parent, long idN, int n, double startMs, double endMs) {
    return span(trace, id(idN), parent, "respond::chunk_" + n, startMs, endMs).build();
  }

  public static Span.Event event(String name, double timeMs, KeyValue... attrs) {
    return Span.Event.newBuilder().setName(name).setTimeUnixNano(ms(timeMs)).addAllAttributes(List.of(attrs)).build();
  }

  public static LogRecord chunkLog(ByteString trace, ByteString spanId, double timeMs, KeyValue... attrs) {
    return LogRecord.newBuilder().setTraceId(trace).setSpanId(spanId).setTimeUnixNano(ms(timeMs))
        .setEventName("gen_ai.content.completion.chunk").addAllAttributes(List.of(attrs)).build();
  }

  public static ExportTraceServiceRequest traces(Span... spans) {
    return ExportTraceServiceRequest.newBuilder()
        .addResourceSpans(ResourceSpans.newBuilder().setResource(RESOURCE)
            .addScopeSpans(ScopeSpans.newBuilder().setScope(SCOPE).addAllSpans(List.of(spans))))
        .build();
  }

  public static ExportLogsServiceRequest logs(LogRecord... records) {
    return ExportLogsServiceRequest.newBuilder()
        .addResourceLogs(ResourceLogs.newBuilder().setResource(RESOURCE)
            .addScopeLogs(ScopeLogs.newBuilder().setScope(SCOPE).addAllLogRecords(List.of(records))))
        .build();
  }

  public static KeyValue kv(String k, String v) {
    return Attributes.of(k, v);
  }

  public static KeyValue kv(String k, long v) {
    return Attributes.of(k, v);
  }

  public static KeyValue kv(String k, double v) {
    return Attributes.of(k, v);
  }

  public static KeyValue kv(String k, boolean v) {
    return Attributes.of(k, v);
  }

  public static AnyValue attr(Span s, String key) {
    return Attributes.find(s.getAttributesList(), key);
  }

  public static Double dbl(Span s, String key) {
    AnyValue v = attr(s, key);
    return v == null ? null : v.getDoubleValue();
  }

  public static Long lng(Span s, String key) {
    AnyValue v = attr(s, key);
    return v == null ? null : v.getIntValue();
  }

  public static String str(Span s, String key) {
    AnyValue v = attr(s, key);
    return v == null ? null : Attributes.string(v);
  }
}
