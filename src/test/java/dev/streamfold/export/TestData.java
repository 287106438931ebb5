package dev.streamfold.export;

import com.google.protobuf.ByteString;
import dev.streamfold.telemetry.InMemoryMetrics;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.ArrayValue;
import io.opentelemetry.proto.common.v1.InstrumentationScope;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.common.v1.KeyValueList;
import io.opentelemetry.proto.logs.v1.LogRecord;
import io.opentelemetry.proto.logs.v1.ResourceLogs;
import io.opentelemetry.proto.logs.v1.ScopeLogs;
import io.opentelemetry.proto.logs.v1.SeverityNumber;
import io.opentelemetry.proto.metrics.v1.Gauge;
import io.opentelemetry.proto.metrics.v1.Histogram;
import io.opentelemetry.proto.metrics.v1.HistogramDataPoint;
import io.opentelemetry.proto.metrics.v1.Metric;
import io.opentelemetry.proto.metrics.v1.NumberDataPoint;
import io.opentelemetry.proto.metrics.v1.ResourceMetrics;
import io.opentelemetry.proto.metrics.v1.ScopeMetrics;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.proto.trace.v1.Status;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

/** OTLP test data with every attribute type, events, links, resource and scope. */
final class TestData {
  private static final AtomicLong SEQ = new AtomicLong(1);

  private TestData() {}

  static KeyValue kv(String k, AnyValue v) {
    return KeyValue.newBuilder().setKey(k).setValue(v).build();
  }

  static AnyValue str(String s) {
    return AnyValue.newBuilder().setStringValue(s).build();
  }

  static List<KeyValue> allTypes() {
    return List.of(
        kv("s", str("text ünïcødé")),
        kv("b", AnyValue.newBuilder().setBoolValue(true).build()),
        kv("i", AnyValue.newBuilder().setIntValue(-1234567890123L).build()),
        kv("d", AnyValue.newBuilder().setDoubleValue(3.25).build()),
        kv("bytes", AnyValue.newBuilder().setBytesValue(ByteString.copyFrom(new byte[] {0, 1, (byte) 0xff})).build()),
        kv("arr", AnyValue.newBuilder().setArrayValue(ArrayValue.newBuilder().addValues(str("a")).addValues(AnyValue.newBuilder().setIntValue(2))).build()),
        kv("kvl", AnyValue.newBuilder().setKvlistValue(KeyValueList.newBuilder().addValues(kv("inner", str("x")))).build()),
        kv("empty", AnyValue.getDefaultInstance()));
  }

  static Resource resource(String service) {
    return Resource.newBuilder().addAttributes(kv("service.name", str(service))).addAllAttributes(allTypes()).setDroppedAttributesCount(1).build();
  }

  static InstrumentationScope scope() {
    return InstrumentationScope.newBuilder().setName("test.scope").setVersion("1.2.3").addAttributes(kv("scope.attr", str("v"))).build();
  }

  static byte[] id(int len, long seed) {
    ByteBuffer b = ByteBuffer.allocate(len);
    while (b.hasRemaining()) {
      b.put((byte) (seed * 31 + b.position() + 1));
    }
    return b.array();
  }

  /** A span with a unique name ("span-N"), every attribute type, two events and a link. */
  static Span span() {
    long n = SEQ.getAndIncrement();
    return Span.newBuilder()
        .setTraceId(ByteString.copyFrom(id(16, n)))
        .setSpanId(ByteString.copyFrom(id(8, n + 7)))
        .setParentSpanId(ByteString.copyFrom(id(8, n + 13)))
        .setTraceState("k=v")
        .setFlags(257)
        .setName("span-" + n)
        .setKind(Span.SpanKind.SPAN_KIND_CLIENT)
        .setStartTimeUnixNano(1_700_000_000_000_000_000L + n)
        .setEndTimeUnixNano(1_700_000_000_500_000_000L + n)
        .addAllAttributes(allTypes())
        .setDroppedAttributesCount(2)
        .addEvents(Span.Event.newBuilder().setName("gen_ai.content.completion.chunk").setTimeUnixNano(1_700_000_000_100_000_000L).addAllAttributes(allTypes()))
        .addEvents(Span.Event.newBuilder().setName("second").setTimeUnixNano(1_700_000_000_200_000_000L).setDroppedAttributesCount(3))
        .setDroppedEventsCount(4)
        .addLinks(Span.Link.newBuilder().setTraceId(ByteString.copyFrom(id(16, n + 99))).setSpanId(ByteString.copyFrom(id(8, n + 98))).setTraceState("a=b").addAllAttributes(allTypes()).setFlags(1))
        .setDroppedLinksCount(5)
        .setStatus(Status.newBuilder().setCode(Status.StatusCode.STATUS_CODE_ERROR).setMessage("boom"))
        .build();
  }

  static ResourceSpans resourceSpans(int spans) {
    ScopeSpans.Builder ss = ScopeSpans.newBuilder().setScope(scope()).setSchemaUrl("https://opentelemetry.io/schemas/1.30.0");
    for (int i = 0; i < spans; i++) {
      ss.addSpans(span());
    }
    return ResourceSpans.newBuilder().setResource(resource("svc")).addScopeSpans(ss).setSchemaUrl("https://opentelemetry.io/schemas/1.30.0").build();
  }

  static ResourceLogs resourceLogs(int records) {
    ScopeLogs.Builder sl = ScopeLogs.newBuilder().setScope(scope());
    for (int i = 0; i < records; i++) {
      long n = SEQ.getAndIncrement();
      sl.addLogRecords(
          LogRecord.newBuilder()
              .setTimeUnixNano(1_700_000_000_000_000_000L + n)
              .setObservedTimeUnixNano(1_700_000_000_000_000_001L + n)
              .setSeverityNumber(SeverityNumber.SEVERITY_NUMBER_INFO)
              .setSeverityText("INFO")
              .setBody(str("log-" + n))
              .addAllAttributes(allTypes())
              .setEventName("llm_stream.chunk")
              .setTraceId(ByteString.copyFrom(id(16, n)))
              .setSpanId(ByteString.copyFrom(id(8, n))));
    }
    return ResourceLogs.newBuilder().setResource(resource("svc")).addScopeLogs(sl).build();
  }

  /** A gauge with {@code points} points and a histogram with one point: {@code points + 1} items. */
  static ResourceMetrics resourceMetrics(int points) {
    Gauge.Builder g = Gauge.newBuilder();
    for (int i = 0; i < points; i++) {
      g.addDataPoints(NumberDataPoint.newBuilder().setAsDouble(i).setTimeUnixNano(1_700_000_000_000_000_000L + i).addAllAttributes(allTypes()));
    }
    Metric gauge = Metric.newBuilder().setName("g").setUnit("1").setGauge(g).build();
    Metric hist =
        Metric.newBuilder()
            .setName("h")
            .setHistogram(Histogram.newBuilder().addDataPoints(HistogramDataPoint.newBuilder().setCount(3).setSum(6).addBucketCounts(1).addBucketCounts(2).addExplicitBounds(1.5)))
            .build();
    return ResourceMetrics.newBuilder().setResource(resource("svc")).addScopeMetrics(ScopeMetrics.newBuilder().setScope(scope()).addMetrics(gauge).addMetrics(hist)).build();
  }

  static Set<String> spanNames(List<ResourceSpans> rs) {
    Set<String> names = new HashSet<>();
    for (ResourceSpans r : rs) {
      for (ScopeSpans s : r.getScopeSpansList()) {
        for (Span sp : s.getSpansList()) {
          names.add(sp.getName());
        }
      }
    }
    return names;
  }

  static List<String> spanNameList(List<ResourceSpans> rs) {
    List<String> names = new ArrayList<>();
    for (ResourceSpans r : rs) {
      for (ScopeSpans s : r.getScopeSpansList()) {
        for (Span sp : s.getSpansList()) {
          names.add(sp.getName());
        }
      }
    }
    return names;
  }

  /** Sum of every series of gauge {@code name} (one per exporter). */
  static double gauge(InMemoryMetrics m, String name) {
    double sum = 0;
    for (String key : m.gaugeKeys()) {
      String[] parts = key.split(",");
      if (parts[0].equals(name)) {
        sum += m.gaugeValue(name, java.util.Arrays.copyOfRange(parts, 1, parts.length));
      }
    }
    return sum;
  }

  /** Items in the export queues (queued, being sent or retried), from the queue size gauge. */
  static long queued(InMemoryMetrics m) {
    return (long) gauge(m, ExportPipeline.QUEUE_SIZE_GAUGE);
  }
}
