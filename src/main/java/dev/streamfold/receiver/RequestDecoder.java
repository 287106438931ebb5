package dev.streamfold.receiver;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import dev.streamfold.otlp.OtlpSignal;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Decodes an export request body for both receivers: OTLP JSON, or protobuf where invalid UTF-8
 * in string fields is replaced with U+FFFD ({@link Utf8Repair}) instead of failing the whole
 * request. The OTel Collector's pdata (gogo protobuf) accepts such strings unchecked and passes
 * them on, where a strict downstream then rejects the whole batch (collector issue 11449); the
 * replacement keeps the request and what is exported valid. Stateless.
 */
final class RequestDecoder {
  private RequestDecoder() {}

  /** @throws InvalidProtocolBufferException the body is not a request (for protobuf: the original error) */
  static <Req> Req decode(OtlpSignal<Req, ?, ?, ?, ?> sig, byte[] bytes, int offset, int length, boolean json)
      throws InvalidProtocolBufferException {
    if (json) {
      return sig.parseJson(new String(bytes, offset, length, StandardCharsets.UTF_8));
    }
    try {
      return sig.parse(bytes, offset, length);
    } catch (InvalidProtocolBufferException e) {
      byte[] fixed;
      try {
        byte[] exact = offset == 0 ? bytes : java.util.Arrays.copyOfRange(bytes, offset, offset + length);
        fixed = Utf8Repair.repair(exact, length, ((Message) sig.request(List.of())).getDescriptorForType());
      } catch (InvalidProtocolBufferException | RuntimeException notRepairable) {
        throw e;
      }
      if (fixed == null) {
        throw e;
      }
      return sig.parse(fixed, 0, fixed.length);
    }
  }
}
