package dev.streamfold.receiver;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.UnknownFieldSet;
import io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.ArrayValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.logs.v1.LogRecord;
import io.opentelemetry.proto.logs.v1.ResourceLogs;
import io.opentelemetry.proto.logs.v1.ScopeLogs;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class Utf8RepairTest {
  private static final byte[] BAD = {'Q', (byte) 0xc3, 'Q'}; // a lone lead byte
  private static final String FIXED = "Q\uFFFDQ";

  /** Encodes with "QzQ" placeholders, then turns them into invalid UTF-8 of the same length. */
  private static byte[] withBadStrings(ExportLogsServiceRequest r) {
    byte[] b = r.toByteArray();
    for (int i = 0; i + 3 <= b.length; i++) {
      if (b[i] == 'Q' && b[i + 1] == 'z' && b[i + 2] == 'Q') {
        System.arraycopy(BAD, 0, b, i, 3);
      }
    }
    return b;
  }

  private static ExportLogsServiceRequest parse(byte[] b) throws InvalidProtocolBufferException {
    return RequestDecoder.decode(dev.streamfold.otlp.OtlpSignal.LOGS, b, 0, b.length, false);
  }

  @Test
  void invalidStringsAtAnyDepthAreReplacedAndEverythingElseIsKept() throws Exception {
    LogRecord good = LogRecord.newBuilder().setTimeUnixNano(7).setBody(AnyValue.newBuilder().setStringValue("fine")).build();
    LogRecord bad = LogRecord.newBuilder()
        .setTimeUnixNano(8)
        .setTraceId(ByteString.copyFrom(new byte[] {(byte) 0xff, (byte) 0xfe, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14}))
        .setBody(AnyValue.newBuilder().setArrayValue(ArrayValue.newBuilder().addValues(AnyValue.newBuilder().setStringValue("QzQ"))))
        .addAttributes(KeyValue.newBuilder().setKey("QzQ").setValue(AnyValue.newBuilder().setStringValue("QzQ")))
        .addAttributes(KeyValue.newBuilder().setKey("raw").setValue(AnyValue.newBuilder().setBytesValue(ByteString.copyFrom(BAD))))
        .setUnknownFields(UnknownFieldSet.newBuilder()
            .addField(999, UnknownFieldSet.Field.newBuilder().addLengthDelimited(ByteString.copyFromUtf8("future")).build())
            .build())
        .build();
    ExportLogsServiceRequest request = ExportLogsServiceRequest.newBuilder()
        .addResourceLogs(ResourceLogs.newBuilder().addScopeLogs(ScopeLogs.newBuilder().addLogRecords(good).addLogRecords(bad)))
        .build();
    byte[] wire = withBadStrings(request);
    assertThatThrownBy(() -> ExportLogsServiceRequest.parseFrom(wire)).isInstanceOf(InvalidProtocolBufferException.class);

    ExportLogsServiceRequest got = parse(wire);
    var records = got.getResourceLogs(0).getScopeLogs(0).getLogRecordsList();
    assertThat(records.get(0)).isEqualTo(good);
    LogRecord r = records.get(1);
    assertThat(r.getTimeUnixNano()).isEqualTo(8);
    assertThat(r.getTraceId()).isEqualTo(bad.getTraceId());
    assertThat(r.getBody().getArrayValue().getValues(0).getStringValue()).isEqualTo(FIXED);
    assertThat(r.getAttributes(0).getKey()).isEqualTo(FIXED);
    assertThat(r.getAttributes(0).getValue().getStringValue()).isEqualTo(FIXED);
    // bytes fields may hold anything: untouched
    assertThat(r.getAttributes(1).getValue().getBytesValue().toByteArray()).isEqualTo(BAD);
    assertThat(r.getUnknownFields().getField(999).getLengthDelimitedList())
        .containsExactly(ByteString.copyFrom("future", StandardCharsets.UTF_8));
  }

  @Test
  void validInputIsParsedAsIsAndOtherDamageIsStillAnError() throws Exception {
    ExportLogsServiceRequest ok = ExportLogsServiceRequest.newBuilder()
        .addResourceLogs(ResourceLogs.newBuilder().addScopeLogs(ScopeLogs.newBuilder()
            .addLogRecords(LogRecord.newBuilder().setBody(AnyValue.newBuilder().setStringValue("héllo")))))
        .build();
    assertThat(parse(ok.toByteArray())).isEqualTo(ok);
    byte[] truncated = java.util.Arrays.copyOf(ok.toByteArray(), ok.getSerializedSize() - 2);
    assertThatThrownBy(() -> parse(truncated)).isInstanceOf(InvalidProtocolBufferException.class);
    byte[] garbage = {0x0a, (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, 0x0f, 0x01};
    assertThatThrownBy(() -> parse(garbage)).isInstanceOf(InvalidProtocolBufferException.class);
  }
}
