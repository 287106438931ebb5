package dev.streamfold.explain;

import com.google.protobuf.ByteString;
import com.google.protobuf.CodedInputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.WireFormat;
import dev.streamfold.pipeline.Signal;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads OTLP protobuf: one export request (an OTLP/HTTP protobuf body) or a sequence of requests
 * each preceded by its size as a 4-byte big-endian integer (the Collector file exporter's
 * {@code format: proto}). The bytes do not say which signal they hold, so it is read from the
 * first item: a span starts with its 16-byte trace id, a log record with its fixed64 time, a
 * metric with its name. Stateless.
 */
final class ProtobufInput {
  private ProtobufInput() {}

  static void read(String file, byte[] data, List<InputRequest> out, List<InputError> errors) {
    List<int[]> frames = frames(data);
    if (frames == null) {
      readOne(file, data, 0, data.length, out, errors);
      return;
    }
    int n = 1;
    for (int[] f : frames) {
      readOne(file + " message " + n++, data, f[0], f[1], out, errors);
    }
  }

  /** Offsets and lengths of size-prefixed messages when the whole file is exactly that, else null. */
  static List<int[]> frames(byte[] data) {
    List<int[]> frames = new ArrayList<>();
    long pos = 0;
    while (pos + 4 <= data.length) {
      int p = (int) pos;
      long n = ((data[p] & 0xffL) << 24) | ((data[p + 1] & 0xffL) << 16) | ((data[p + 2] & 0xffL) << 8) | (data[p + 3] & 0xffL);
      if (pos + 4 + n > data.length) {
        return null;
      }
      frames.add(new int[] {p + 4, (int) n});
      pos += 4 + n;
    }
    return pos == data.length && !frames.isEmpty() ? frames : null;
  }

  private static void readOne(String where, byte[] data, int off, int len, List<InputRequest> out, List<InputError> errors) {
    Signal signal;
    try {
      signal = sniff(ByteString.copyFrom(data, off, len));
    } catch (IOException e) {
      errors.add(new InputError(where, "not OTLP protobuf: " + e.getMessage()));
      return;
    }
    if (signal == null) {
      return; // an empty request: nothing to explain
    }
    Message.Builder b = JsonInput.builder(signal);
    try {
      b.mergeFrom(CodedInputStream.newInstance(data, off, len));
    } catch (InvalidProtocolBufferException e) {
      errors.add(new InputError(where, "not an OTLP " + signal.label() + " request: " + e.getMessage()));
      return;
    } catch (IOException e) {
      errors.add(new InputError(where, e.getMessage()));
      return;
    }
    out.add(new InputRequest(where, signal, b.build(), -1));
  }

  /**
   * The signal of an export request from its first item (resource_* -> scope_* -> item), or null
   * when it holds no item.
   */
  static Signal sniff(ByteString request) throws IOException {
    ByteString resource = field(request, 1);
    ByteString scope = resource == null ? null : field(resource, 2);
    ByteString item = scope == null ? null : field(scope, 2);
    if (item == null) {
      return null;
    }
    CodedInputStream in = item.newCodedInput();
    int tag;
    while ((tag = in.readTag()) != 0) {
      int number = WireFormat.getTagFieldNumber(tag);
      int type = WireFormat.getTagWireType(tag);
      if (number == 1 && type == WireFormat.WIRETYPE_LENGTH_DELIMITED) {
        return in.readBytes().size() == 16 ? Signal.TRACES : Signal.METRICS; // trace_id, or a metric name
      }
      if (type == WireFormat.WIRETYPE_FIXED64) {
        // log record times are fields 1 and 11, span times 7 and 8
        return number == 1 || number == 11 ? Signal.LOGS : Signal.TRACES;
      }
      if (number == 2) {
        // span_id (bytes) or severity_number (varint)
        return type == WireFormat.WIRETYPE_LENGTH_DELIMITED ? Signal.TRACES : Signal.LOGS;
      }
      in.skipField(tag);
    }
    throw new InvalidProtocolBufferException("cannot tell spans, log records or metrics apart in the first item");
  }

  /** The first occurrence of length-delimited field {@code number}, or null. */
  private static ByteString field(ByteString message, int number) throws IOException {
    CodedInputStream in = message.newCodedInput();
    int tag;
    while ((tag = in.readTag()) != 0) {
      if (WireFormat.getTagFieldNumber(tag) == number && WireFormat.getTagWireType(tag) == WireFormat.WIRETYPE_LENGTH_DELIMITED) {
        return in.readBytes();
      }
      in.skipField(tag);
    }
    return null;
  }
}
