package dev.streamfold.receiver;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.ArrayValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.common.v1.KeyValueList;
import io.opentelemetry.proto.logs.v1.LogRecord;
import io.opentelemetry.proto.logs.v1.ResourceLogs;
import io.opentelemetry.proto.logs.v1.ScopeLogs;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

class OtlpValidatorTest {
  private static final long NOW_NANOS = SdkFixtures.NOW.getEpochSecond() * 1_000_000_000L;
  private static final long DAY = Duration.ofDays(1).toNanos();
  private final OtlpValidator validator = new OtlpValidator(SdkFixtures.CLOCK);

  private static Span span(int i) {
    return Span.newBuilder()
        .setTraceId(bytes("0af7651916cd43dd8448eb211c80319c"))
        .setSpanId(bytes(String.format("%016x", i + 1)))
        .setName("s" + i)
        .setStartTimeUnixNano(SdkFixtures.T0)
        .setEndTimeUnixNano(SdkFixtures.T0 + 10)
        .addEvents(Span.Event.newBuilder().setName("e").setTimeUnixNano(SdkFixtures.T0))
        .build();
  }

  private static ByteString bytes(String hex) {
    return ByteString.copyFrom(HexFormat.of().parseHex(hex));
  }

  private static ExportTraceServiceRequest request(Span... spans) {
    return ExportTraceServiceRequest.newBuilder()
        .addResourceSpans(ResourceSpans.newBuilder()
            .addScopeSpans(ScopeSpans.newBuilder().addAllSpans(List.of(spans))))
        .build();
  }

  private OtlpValidator.Result<ExportTraceServiceRequest> validateOne(UnaryOperator<Span.Builder> change) {
    return validator.traces(request(span(0), change.apply(span(1).toBuilder()).build(), span(2)));
  }

  private void assertRejected(UnaryOperator<Span.Builder> change, String reason) {
    OtlpValidator.Result<ExportTraceServiceRequest> r = validateOne(change);
    assertThat(r.rejected()).as(reason).isEqualTo(1);
    assertThat(r.items()).isEqualTo(2);
    assertThat(r.spanEvents()).isEqualTo(2);
    assertThat(r.message()).contains(reason);
    assertThat(r.request().getResourceSpans(0).getScopeSpans(0).getSpansList())
        .extracting(Span::getName).containsExactly("s0", "s2");
  }

  private void assertAccepted(UnaryOperator<Span.Builder> change) {
    ExportTraceServiceRequest in = request(span(0), change.apply(span(1).toBuilder()).build(), span(2));
    OtlpValidator.Result<ExportTraceServiceRequest> r = validator.traces(in);
    assertThat(r.rejected()).as(r.message()).isZero();
    assertThat(r.request()).isSameAs(in);
  }

  @Test
  void validRequestIsReturnedAsIsWithCounts() {
    ExportTraceServiceRequest in = request(span(0), span(1), span(2));
    OtlpValidator.Result<ExportTraceServiceRequest> r = validator.traces(in);
    assertThat(r.request()).isSameAs(in);
    assertThat(r.items()).isEqualTo(3);
    assertThat(r.spanEvents()).isEqualTo(3);
    assertThat(r.rejected()).isZero();
    assertThat(r.message()).isEmpty();
  }

  @Test
  void badIdsAreRejected() {
    assertRejected(b -> b.setTraceId(ByteString.copyFrom(new byte[15])), "trace_id is not 16 bytes");
    assertRejected(b -> b.setTraceId(ByteString.EMPTY), "trace_id is not 16 bytes");
    assertRejected(b -> b.setTraceId(ByteString.copyFrom(new byte[16])), "trace_id is all zero");
    assertRejected(b -> b.setSpanId(ByteString.copyFrom(new byte[7])), "span_id is not 8 bytes");
    assertRejected(b -> b.setSpanId(ByteString.copyFrom(new byte[8])), "span_id is all zero");
    assertRejected(b -> b.setParentSpanId(ByteString.copyFrom(new byte[4])), "parent_span_id");
    assertRejected(b -> b.addLinks(Span.Link.newBuilder().setTraceId(ByteString.copyFrom(new byte[3]))
        .setSpanId(ByteString.copyFrom(new byte[8]))), "link trace_id");
    assertAccepted(b -> b.setParentSpanId(bytes("0102030405060708")));
  }

  @Test
  void badTimestampsAreRejected() {
    assertRejected(b -> b.setStartTimeUnixNano(0), "start_time_unix_nano is 0");
    assertRejected(b -> b.setEndTimeUnixNano(0), "end_time_unix_nano is 0");
    assertRejected(b -> b.setEndTimeUnixNano(SdkFixtures.T0 - 1), "end_time_unix_nano before start_time_unix_nano");
    assertRejected(b -> b.setEndTimeUnixNano(NOW_NANOS + DAY + 1), "in the future");
    // fixed64 above Long.MAX_VALUE is unsigned, i.e. absurdly far in the future
    assertRejected(b -> b.setStartTimeUnixNano(-5).setEndTimeUnixNano(-1), "in the future");
    assertAccepted(b -> b.setEndTimeUnixNano(NOW_NANOS + DAY));
    assertAccepted(b -> b.setEndTimeUnixNano(SdkFixtures.T0));
  }

  @Test
  void nanAndInfinityAreKept() {
    assertAccepted(b -> b.addAttributes(kv("nan", AnyValue.newBuilder().setDoubleValue(Double.NaN).build()))
        .addAttributes(kv("inf", AnyValue.newBuilder().setDoubleValue(Double.NEGATIVE_INFINITY).build())));
  }

  @Test
  void hugeAttributeSetsAreRejected() {
    assertAccepted(b -> {
      for (int i = 0; i < OtlpValidator.MAX_ATTRIBUTES; i++) {
        b.addAttributes(kv("k" + i, AnyValue.newBuilder().setIntValue(i).build()));
      }
      return b;
    });
    assertRejected(b -> {
      for (int i = 0; i <= OtlpValidator.MAX_ATTRIBUTES; i++) {
        b.addAttributes(kv("k" + i, AnyValue.newBuilder().setIntValue(i).build()));
      }
      return b;
    }, "more than 10000 attributes");
  }

  @Test
  void deepNestingIsRejectedAnywhereInTheItem() {
    assertAccepted(b -> b.addAttributes(kv("deep", nested(OtlpValidator.MAX_DEPTH))));
    assertRejected(b -> b.addAttributes(kv("deep", nested(OtlpValidator.MAX_DEPTH + 1))), "nested more than 16");
    assertRejected(b -> b.addEvents(Span.Event.newBuilder().setName("x").setTimeUnixNano(SdkFixtures.T0)
        .addAttributes(kv("deep", nested(40)))), "event attribute nested");
  }

  /** A value at nesting level {@code levels} (1 = a scalar), alternating arrays and kv lists. */
  static AnyValue nested(int levels) {
    AnyValue v = AnyValue.newBuilder().setStringValue("leaf").build();
    for (int i = 1; i < levels; i++) {
      v = i % 2 == 0
          ? AnyValue.newBuilder().setArrayValue(ArrayValue.newBuilder().addValues(v)).build()
          : AnyValue.newBuilder().setKvlistValue(KeyValueList.newBuilder().addValues(kv("k", v))).build();
    }
    return v;
  }

  static KeyValue kv(String key, AnyValue v) {
    return KeyValue.newBuilder().setKey(key).setValue(v).build();
  }

  @Test
  void emptiedScopesAndResourcesAreRemovedAndUntouchedOnesKept() {
    Span bad = span(9).toBuilder().setSpanId(ByteString.EMPTY).build();
    ResourceSpans untouched = ResourceSpans.newBuilder()
        .addScopeSpans(ScopeSpans.newBuilder().addSpans(span(0))).build();
    ResourceSpans allBad = ResourceSpans.newBuilder()
        .addScopeSpans(ScopeSpans.newBuilder().addSpans(bad).addSpans(bad)).build();
    ResourceSpans mixed = ResourceSpans.newBuilder()
        .setSchemaUrl("keep-me")
        .addScopeSpans(ScopeSpans.newBuilder().addSpans(bad))
        .addScopeSpans(ScopeSpans.newBuilder().setSchemaUrl("scope").addSpans(span(1)).addSpans(bad).addSpans(span(2)))
        .build();
    ExportTraceServiceRequest in = ExportTraceServiceRequest.newBuilder()
        .addResourceSpans(untouched).addResourceSpans(allBad).addResourceSpans(mixed).build();
    OtlpValidator.Result<ExportTraceServiceRequest> r = validator.traces(in);
    assertThat(r.rejected()).isEqualTo(4);
    assertThat(r.items()).isEqualTo(3);
    assertThat(r.message()).isEqualTo("4 spans rejected: span_id is not 8 bytes (4)");
    ExportTraceServiceRequest out = r.request();
    assertThat(out.getResourceSpansCount()).isEqualTo(2);
    assertThat(out.getResourceSpans(0)).isSameAs(untouched);
    ResourceSpans kept = out.getResourceSpans(1);
    assertThat(kept.getSchemaUrl()).isEqualTo("keep-me");
    assertThat(kept.getScopeSpansCount()).isEqualTo(1);
    assertThat(kept.getScopeSpans(0).getSchemaUrl()).isEqualTo("scope");
    assertThat(kept.getScopeSpans(0).getSpansList()).extracting(Span::getName).containsExactly("s1", "s2");
  }

  @Test
  void anInvalidResourceRejectsAllItsSpans() {
    ExportTraceServiceRequest in = ExportTraceServiceRequest.newBuilder()
        .addResourceSpans(ResourceSpans.newBuilder()
            .setResource(Resource.newBuilder().addAttributes(kv("deep", nested(30))))
            .addScopeSpans(ScopeSpans.newBuilder().addSpans(span(0)).addSpans(span(1))))
        .addResourceSpans(ResourceSpans.newBuilder().addScopeSpans(ScopeSpans.newBuilder().addSpans(span(2))))
        .build();
    OtlpValidator.Result<ExportTraceServiceRequest> r = validator.traces(in);
    assertThat(r.rejected()).isEqualTo(2);
    assertThat(r.message()).contains("resource attribute nested");
    assertThat(r.request().getResourceSpansCount()).isEqualTo(1);
    assertThat(r.request().getResourceSpans(0).getScopeSpans(0).getSpans(0).getName()).isEqualTo("s2");
  }

  @Test
  void messageNamesTheFirstThreeReasons() {
    ExportTraceServiceRequest in = request(
        span(0).toBuilder().setStartTimeUnixNano(0).build(),
        span(1).toBuilder().setEndTimeUnixNano(0).build(),
        span(2).toBuilder().setSpanId(ByteString.EMPTY).build(),
        span(3).toBuilder().setTraceId(ByteString.EMPTY).build(),
        span(4).toBuilder().setStartTimeUnixNano(0).build(),
        span(5));
    OtlpValidator.Result<ExportTraceServiceRequest> r = validator.traces(in);
    assertThat(r.rejected()).isEqualTo(5);
    assertThat(r.message()).isEqualTo("5 spans rejected: start_time_unix_nano is 0 (2), end_time_unix_nano is 0 (1), "
        + "span_id is not 8 bytes (1), ...");
  }

  @Test
  void logIdsMayBeEmptyButNotOfTheWrongLength() {
    LogRecord ok = LogRecord.newBuilder().setTimeUnixNano(SdkFixtures.T0).build();
    LogRecord withIds = ok.toBuilder().setTraceId(bytes("0af7651916cd43dd8448eb211c80319c"))
        .setSpanId(bytes("0102030405060708")).build();
    LogRecord zeroIds = ok.toBuilder().setTraceId(ByteString.copyFrom(new byte[16]))
        .setSpanId(ByteString.copyFrom(new byte[8])).build();
    LogRecord noTimes = LogRecord.getDefaultInstance();
    ExportLogsServiceRequest valid = logs(ok, withIds, zeroIds, noTimes);
    OtlpValidator.Result<ExportLogsServiceRequest> r = validator.logs(valid);
    assertThat(r.request()).isSameAs(valid);
    assertThat(r.items()).isEqualTo(4);

    ExportLogsServiceRequest bad = logs(
        ok.toBuilder().setTraceId(ByteString.copyFrom(new byte[3])).build(),
        ok.toBuilder().setSpanId(ByteString.copyFrom(new byte[16])).build(),
        ok.toBuilder().setObservedTimeUnixNano(NOW_NANOS + 2 * DAY).build(),
        ok.toBuilder().setBody(nested(20)).build(),
        withIds);
    r = validator.logs(bad);
    assertThat(r.rejected()).isEqualTo(4);
    assertThat(r.items()).isEqualTo(1);
    assertThat(r.message()).startsWith("4 log records rejected: trace_id is not empty or 16 bytes (1)");
    assertThat(r.request().getResourceLogs(0).getScopeLogs(0).getLogRecordsList()).containsExactly(withIds);
  }

  private static ExportLogsServiceRequest logs(LogRecord... records) {
    return ExportLogsServiceRequest.newBuilder()
        .addResourceLogs(ResourceLogs.newBuilder().addScopeLogs(ScopeLogs.newBuilder().addAllLogRecords(List.of(records))))
        .build();
  }

  @Test
  void metricsAreCountedNotChanged() {
    var in = OtlpGrpcReceiverTest.metricsRequest();
    var r = validator.metrics(in);
    assertThat(r.request()).isSameAs(in);
    assertThat(r.items()).isEqualTo(3);
  }
}
