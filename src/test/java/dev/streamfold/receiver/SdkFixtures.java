package dev.streamfold.receiver;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.common.KeyValue;
import io.opentelemetry.api.common.Value;
import io.opentelemetry.api.logs.Severity;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.TraceFlags;
import io.opentelemetry.api.trace.TraceState;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.ArrayValue;
import io.opentelemetry.proto.common.v1.KeyValueList;
import io.opentelemetry.proto.logs.v1.LogRecord;
import io.opentelemetry.proto.logs.v1.ResourceLogs;
import io.opentelemetry.proto.logs.v1.ScopeLogs;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.sdk.common.InstrumentationScopeInfo;
import io.opentelemetry.sdk.logs.data.LogRecordData;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.testing.logs.TestLogRecordData;
import io.opentelemetry.sdk.testing.trace.TestSpanData;
import io.opentelemetry.sdk.trace.data.EventData;
import io.opentelemetry.sdk.trace.data.LinkData;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.data.StatusData;
import java.nio.ByteBuffer;
import dev.streamfold.time.ManualClock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Telemetry built with the OTel SDK's data types (what an instrumented app's exporter sends),
 * and assertions that a received OTLP request carries exactly that.
 */
final class SdkFixtures {
  static final Instant NOW = Instant.parse("2025-06-01T12:00:00Z");
  static final ManualClock CLOCK = new ManualClock(NOW);
  /** A recent time with all nine nanosecond digits in use. */
  static final long T0 = NOW.getEpochSecond() * 1_000_000_000L - 60_000_000_000L + 123_456_789L;

  static final String TRACE_ID = "0af7651916cd43dd8448eb211c80319c";
  static final String PARENT_ID = "b7ad6b7169203331";

  private SdkFixtures() {}

  static Resource resource() {
    return Resource.create(
        Attributes.builder()
            .put("service.name", "chat-api")
            .put("service.instance.id", "i-1")
            .put(AttributeKey.longKey("process.pid"), 4242L)
            .build(),
        "https://opentelemetry.io/schemas/1.26.0");
  }

  static InstrumentationScopeInfo scope(String name) {
    return InstrumentationScopeInfo.builder(name)
        .setVersion("1.2.3")
        .setSchemaUrl("https://opentelemetry.io/schemas/1.25.0")
        .setAttributes(Attributes.of(AttributeKey.stringKey("scope.attr"), "s"))
        .build();
  }

  /** One attribute of every type the SDK can export, including bytes and nested values. */
  static Attributes allTypes() {
    return Attributes.builder()
        .put("str", "héllo ✓")
        .put("bool", true)
        .put("long", -9_007_199_254_740_993L)
        .put("double", 3.141592653589793)
        .put("nan", Double.NaN)
        .put(AttributeKey.stringArrayKey("str_arr"), List.of("a", "", "c"))
        .put(AttributeKey.longArrayKey("long_arr"), List.of(1L, Long.MAX_VALUE, Long.MIN_VALUE))
        .put(AttributeKey.doubleArrayKey("double_arr"), List.of(0.5, -1e300))
        .put(AttributeKey.booleanArrayKey("bool_arr"), List.of(true, false))
        .put(AttributeKey.valueKey("bytes"), Value.of(new byte[] {0, 1, (byte) 0xff, 0x7f}))
        .put(AttributeKey.valueKey("kvlist"),
            Value.of(KeyValue.of("inner", Value.of("x")), KeyValue.of("n", Value.of(7L))))
        .put(AttributeKey.valueKey("nested"),
            Value.of(Value.of("deep"), Value.of(Value.of(1L), Value.of(true))))
        .build();
  }

  static SpanContext ctx(String traceId, String spanId) {
    return SpanContext.create(traceId, spanId, TraceFlags.getSampled(), TraceState.getDefault());
  }

  static List<SpanData> spans() {
    SpanData server =
        TestSpanData.builder()
            .setSpanContext(SpanContext.create(TRACE_ID, "00f067aa0ba902b7", TraceFlags.getSampled(),
                TraceState.builder().put("vendor", "v1").build()))
            .setParentSpanContext(SpanContext.createFromRemoteParent(
                TRACE_ID, PARENT_ID, TraceFlags.getSampled(), TraceState.getDefault()))
            .setResource(resource())
            .setInstrumentationScopeInfo(scope("llm.client"))
            .setName("chat gpt-4o")
            .setKind(SpanKind.CLIENT)
            .setStartEpochNanos(T0)
            .setEndEpochNanos(T0 + 1_987_654_321L)
            .setAttributes(allTypes())
            .setTotalAttributeCount(allTypes().size() + 2)
            .setEvents(List.of(
                EventData.create(T0 + 1_000_001L, "gen_ai.content.completion.chunk",
                    Attributes.of(AttributeKey.longKey("llm_stream.chunk.tokens"), 3L)),
                EventData.create(T0 + 2_000_003L, "exception",
                    Attributes.of(AttributeKey.stringKey("exception.type"), "Boom"))))
            .setTotalRecordedEvents(2)
            .setLinks(List.of(LinkData.create(
                ctx("11111111111111111111111111111111", "2222222222222222"),
                Attributes.of(AttributeKey.stringKey("link.kind"), "follows"))))
            .setTotalRecordedLinks(1)
            .setStatus(StatusData.create(StatusCode.ERROR, "upstream failed"))
            .setHasEnded(true)
            .build();
    SpanData child =
        TestSpanData.builder()
            .setSpanContext(ctx(TRACE_ID, "1000000000000001"))
            .setParentSpanContext(ctx(TRACE_ID, "00f067aa0ba902b7"))
            .setResource(resource())
            .setInstrumentationScopeInfo(scope("burr"))
            .setName("stream::chunk_0")
            .setKind(SpanKind.INTERNAL)
            .setStartEpochNanos(T0 + 5)
            .setEndEpochNanos(T0 + 5)
            .setAttributes(Attributes.of(AttributeKey.booleanKey("llm_stream.is_chunk"), true))
            .setTotalAttributeCount(1)
            .setStatus(StatusData.ok())
            .setHasEnded(true)
            .build();
    SpanData root =
        TestSpanData.builder()
            .setSpanContext(ctx("ffffffffffffffffffffffffffffffff", "ffffffffffffffff"))
            .setResource(resource())
            .setInstrumentationScopeInfo(scope("burr"))
            .setName("root")
            .setKind(SpanKind.SERVER)
            .setStartEpochNanos(T0)
            .setEndEpochNanos(T0 + 999)
            .setAttributes(Attributes.empty())
            .setStatus(StatusData.unset())
            .setHasEnded(true)
            .build();
    return List.of(server, child, root);
  }

  static List<LogRecordData> logs() {
    LogRecordData chunk =
        TestLogRecordData.builder()
            .setResource(resource())
            .setInstrumentationScopeInfo(scope("openllmetry"))
            .setTimestamp(T0 + 11, java.util.concurrent.TimeUnit.NANOSECONDS)
            .setObservedTimestamp(T0 + 17, java.util.concurrent.TimeUnit.NANOSECONDS)
            .setSpanContext(ctx(TRACE_ID, "00f067aa0ba902b7"))
            .setSeverity(Severity.INFO)
            .setSeverityText("INFO")
            .setBody("chunk text")
            .setEventName("gen_ai.content.completion.chunk")
            .setAttributes(allTypes())
            .setTotalAttributeCount(allTypes().size())
            .build();
    LogRecordData noContext =
        TestLogRecordData.builder()
            .setResource(resource())
            .setInstrumentationScopeInfo(scope("app"))
            .setTimestamp(T0 + 21, java.util.concurrent.TimeUnit.NANOSECONDS)
            .setObservedTimestamp(T0 + 22, java.util.concurrent.TimeUnit.NANOSECONDS)
            .setSpanContext(SpanContext.getInvalid())
            .setSeverity(Severity.ERROR2)
            .setBodyValue(Value.of(KeyValue.of("msg", Value.of("structured")),
                KeyValue.of("raw", Value.of(new byte[] {9, 8, 7}))))
            .setAttributes(Attributes.of(AttributeKey.stringKey("k"), "v"))
            .setTotalAttributeCount(1)
            .build();
    return List.of(chunk, noContext);
  }

  // ---- assertions ----

  static void assertSpans(List<SpanData> sent, List<ExportTraceServiceRequest> received) {
    Map<ByteString, Object[]> got = new HashMap<>();
    for (ExportTraceServiceRequest r : received) {
      for (ResourceSpans rs : r.getResourceSpansList()) {
        for (ScopeSpans ss : rs.getScopeSpansList()) {
          for (Span s : ss.getSpansList()) {
            got.put(s.getSpanId(), new Object[] {rs, ss, s});
          }
        }
      }
    }
    assertThat(got).hasSize(sent.size());
    for (SpanData want : sent) {
      Object[] triple = got.get(ByteString.copyFrom(want.getSpanContext().getSpanIdBytes()));
      assertThat(triple).as("span %s received", want.getName()).isNotNull();
      ResourceSpans rs = (ResourceSpans) triple[0];
      ScopeSpans ss = (ScopeSpans) triple[1];
      Span s = (Span) triple[2];
      assertResource(want.getResource(), rs.getResource(), rs.getSchemaUrl());
      assertScope(want.getInstrumentationScopeInfo(), ss.getScope(), ss.getSchemaUrl());
      assertThat(s.getTraceId().toByteArray()).isEqualTo(want.getSpanContext().getTraceIdBytes());
      assertThat(s.getSpanId().toByteArray()).isEqualTo(want.getSpanContext().getSpanIdBytes());
      if (want.getParentSpanContext().isValid()) {
        assertThat(s.getParentSpanId().toByteArray()).isEqualTo(want.getParentSpanContext().getSpanIdBytes());
      } else {
        assertThat(s.getParentSpanId().isEmpty()).isTrue();
      }
      assertThat(s.getTraceState()).isEqualTo(traceState(want.getSpanContext().getTraceState()));
      assertThat(s.getName()).isEqualTo(want.getName());
      assertThat(s.getKind().getNumber()).isEqualTo(want.getKind().ordinal() + 1);
      assertThat(s.getStartTimeUnixNano()).isEqualTo(want.getStartEpochNanos());
      assertThat(s.getEndTimeUnixNano()).isEqualTo(want.getEndEpochNanos());
      assertThat(attributes(s.getAttributesList())).isEqualTo(expected(want.getAttributes()));
      assertThat(s.getDroppedAttributesCount())
          .isEqualTo(want.getTotalAttributeCount() - want.getAttributes().size());
      assertThat(s.getEventsCount()).isEqualTo(want.getEvents().size());
      for (int i = 0; i < want.getEvents().size(); i++) {
        EventData e = want.getEvents().get(i);
        Span.Event ge = s.getEvents(i);
        assertThat(ge.getName()).isEqualTo(e.getName());
        assertThat(ge.getTimeUnixNano()).isEqualTo(e.getEpochNanos());
        assertThat(attributes(ge.getAttributesList())).isEqualTo(expected(e.getAttributes()));
      }
      assertThat(s.getLinksCount()).isEqualTo(want.getLinks().size());
      for (int i = 0; i < want.getLinks().size(); i++) {
        LinkData l = want.getLinks().get(i);
        Span.Link gl = s.getLinks(i);
        assertThat(gl.getTraceId().toByteArray()).isEqualTo(l.getSpanContext().getTraceIdBytes());
        assertThat(gl.getSpanId().toByteArray()).isEqualTo(l.getSpanContext().getSpanIdBytes());
        assertThat(attributes(gl.getAttributesList())).isEqualTo(expected(l.getAttributes()));
      }
      int code = switch (want.getStatus().getStatusCode()) {
        case UNSET -> 0;
        case OK -> 1;
        case ERROR -> 2;
      };
      assertThat(s.getStatus().getCodeValue()).isEqualTo(code);
      assertThat(s.getStatus().getMessage()).isEqualTo(want.getStatus().getDescription());
      assertThat(s.getFlags() & 0xff).isEqualTo(want.getSpanContext().getTraceFlags().asByte() & 0xff);
    }
  }

  static void assertLogs(List<LogRecordData> sent, List<ExportLogsServiceRequest> received) {
    List<Object[]> got = new ArrayList<>();
    for (ExportLogsServiceRequest r : received) {
      for (ResourceLogs rl : r.getResourceLogsList()) {
        for (ScopeLogs sl : rl.getScopeLogsList()) {
          for (LogRecord l : sl.getLogRecordsList()) {
            got.add(new Object[] {rl, sl, l});
          }
        }
      }
    }
    assertThat(got).hasSize(sent.size());
    for (LogRecordData want : sent) {
      Object[] triple = got.stream()
          .filter(t -> ((LogRecord) t[2]).getTimeUnixNano() == want.getTimestampEpochNanos())
          .findFirst().orElseThrow();
      ResourceLogs rl = (ResourceLogs) triple[0];
      ScopeLogs sl = (ScopeLogs) triple[1];
      LogRecord l = (LogRecord) triple[2];
      assertResource(want.getResource(), rl.getResource(), rl.getSchemaUrl());
      assertScope(want.getInstrumentationScopeInfo(), sl.getScope(), sl.getSchemaUrl());
      assertThat(l.getObservedTimeUnixNano()).isEqualTo(want.getObservedTimestampEpochNanos());
      if (want.getSpanContext().isValid()) {
        assertThat(l.getTraceId().toByteArray()).isEqualTo(want.getSpanContext().getTraceIdBytes());
        assertThat(l.getSpanId().toByteArray()).isEqualTo(want.getSpanContext().getSpanIdBytes());
      } else {
        assertThat(l.getTraceId().isEmpty()).isTrue();
        assertThat(l.getSpanId().isEmpty()).isTrue();
      }
      assertThat(l.getSeverityNumberValue()).isEqualTo(want.getSeverity().getSeverityNumber());
      assertThat(l.getSeverityText()).isEqualTo(want.getSeverityText() == null ? "" : want.getSeverityText());
      assertThat(l.getBody()).isEqualTo(anyValue(want.getBodyValue()));
      assertThat(l.getEventName()).isEqualTo(want.getEventName() == null ? "" : want.getEventName());
      assertThat(attributes(l.getAttributesList())).isEqualTo(expected(want.getAttributes()));
    }
  }

  private static void assertResource(Resource want, io.opentelemetry.proto.resource.v1.Resource got, String schemaUrl) {
    assertThat(attributes(got.getAttributesList())).isEqualTo(expected(want.getAttributes()));
    assertThat(schemaUrl).isEqualTo(want.getSchemaUrl() == null ? "" : want.getSchemaUrl());
  }

  private static void assertScope(InstrumentationScopeInfo want, io.opentelemetry.proto.common.v1.InstrumentationScope got,
      String schemaUrl) {
    assertThat(got.getName()).isEqualTo(want.getName());
    assertThat(got.getVersion()).isEqualTo(want.getVersion() == null ? "" : want.getVersion());
    assertThat(attributes(got.getAttributesList())).isEqualTo(expected(want.getAttributes()));
    assertThat(schemaUrl).isEqualTo(want.getSchemaUrl() == null ? "" : want.getSchemaUrl());
  }

  private static String traceState(TraceState ts) {
    StringBuilder sb = new StringBuilder();
    ts.forEach((k, v) -> sb.append(sb.length() == 0 ? "" : ",").append(k).append('=').append(v));
    return sb.toString();
  }

  static Map<String, AnyValue> attributes(List<io.opentelemetry.proto.common.v1.KeyValue> kvs) {
    Map<String, AnyValue> m = new LinkedHashMap<>();
    for (io.opentelemetry.proto.common.v1.KeyValue kv : kvs) {
      m.put(kv.getKey(), kv.getValue());
    }
    return m;
  }

  /** The OTLP form of SDK attributes, written out independently of the SDK's marshaller. */
  static Map<String, AnyValue> expected(Attributes attrs) {
    Map<String, AnyValue> m = new LinkedHashMap<>();
    attrs.forEach((k, v) -> m.put(k.getKey(), anyValueOf(v)));
    return m;
  }

  @SuppressWarnings("unchecked")
  private static AnyValue anyValueOf(Object v) {
    if (v instanceof String s) {
      return AnyValue.newBuilder().setStringValue(s).build();
    }
    if (v instanceof Boolean b) {
      return AnyValue.newBuilder().setBoolValue(b).build();
    }
    if (v instanceof Long l) {
      return AnyValue.newBuilder().setIntValue(l).build();
    }
    if (v instanceof Double d) {
      return AnyValue.newBuilder().setDoubleValue(d).build();
    }
    if (v instanceof List<?> list) {
      ArrayValue.Builder a = ArrayValue.newBuilder();
      for (Object o : list) {
        a.addValues(anyValueOf(o));
      }
      return AnyValue.newBuilder().setArrayValue(a).build();
    }
    if (v instanceof Value<?> value) {
      return anyValue(value);
    }
    throw new IllegalArgumentException("unexpected attribute value " + v);
  }

  @SuppressWarnings("unchecked")
  static AnyValue anyValue(Value<?> v) {
    if (v == null) {
      return AnyValue.getDefaultInstance();
    }
    switch (v.getType()) {
      case STRING:
        return AnyValue.newBuilder().setStringValue((String) v.getValue()).build();
      case BOOLEAN:
        return AnyValue.newBuilder().setBoolValue((Boolean) v.getValue()).build();
      case LONG:
        return AnyValue.newBuilder().setIntValue((Long) v.getValue()).build();
      case DOUBLE:
        return AnyValue.newBuilder().setDoubleValue((Double) v.getValue()).build();
      case BYTES:
        return AnyValue.newBuilder().setBytesValue(ByteString.copyFrom(((ByteBuffer) v.getValue()).duplicate())).build();
      case ARRAY: {
        ArrayValue.Builder a = ArrayValue.newBuilder();
        for (Value<?> c : (List<Value<?>>) v.getValue()) {
          a.addValues(anyValue(c));
        }
        return AnyValue.newBuilder().setArrayValue(a).build();
      }
      case KEY_VALUE_LIST: {
        KeyValueList.Builder kl = KeyValueList.newBuilder();
        for (KeyValue kv : (List<KeyValue>) v.getValue()) {
          kl.addValues(io.opentelemetry.proto.common.v1.KeyValue.newBuilder()
              .setKey(kv.getKey()).setValue(anyValue(kv.getValue())));
        }
        return AnyValue.newBuilder().setKvlistValue(kl).build();
      }
      default:
        return AnyValue.getDefaultInstance();
    }
  }
}
