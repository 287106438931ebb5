package dev.streamfold.receiver;

import com.google.protobuf.ByteString;
import com.google.protobuf.CodedInputStream;
import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.WireFormat;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * Replaces invalid UTF-8 in the {@code string} fields of an encoded protobuf message with U+FFFD,
 * guided by the message's descriptor, so a request that protobuf-java would reject as a whole
 * ("Protocol message had invalid UTF-8") is kept with only the bad characters replaced, as the
 * OTLP/JSON path does. Used by {@link RequestDecoder} only after a parse failed. Stateless.
 *
 * <p>Everything else is copied field by field: scalars, bytes, packed fields, unknown fields.
 * Nesting is bounded like protobuf's own parser (100 levels).
 */
final class Utf8Repair {
  private static final int MAX_DEPTH = 100;

  private Utf8Repair() {}

  /** The repaired encoding, or null when nothing needed repair (the failure was something else). */
  static byte[] repair(byte[] bytes, int length, Descriptor type) throws InvalidProtocolBufferException {
    int[] repaired = {0};
    byte[] out;
    try {
      out = rewrite(CodedInputStream.newInstance(bytes, 0, length), type, 0, repaired);
    } catch (InvalidProtocolBufferException e) {
      throw e;
    } catch (IOException e) {
      throw new InvalidProtocolBufferException(e);
    }
    return repaired[0] == 0 ? null : out;
  }

  private static byte[] rewrite(CodedInputStream in, Descriptor type, int depth, int[] repaired) throws IOException {
    if (depth > MAX_DEPTH) {
      throw new InvalidProtocolBufferException("message nested too deeply");
    }
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    CodedOutputStream out = CodedOutputStream.newInstance(buf);
    while (true) {
      int tag = in.readTag();
      if (tag == 0) {
        break;
      }
      FieldDescriptor field = type.findFieldByNumber(WireFormat.getTagFieldNumber(tag));
      if (WireFormat.getTagWireType(tag) != WireFormat.WIRETYPE_LENGTH_DELIMITED || field == null) {
        out.writeUInt32NoTag(tag);
        copyValue(in, out, tag);
        continue;
      }
      ByteString value = in.readBytes();
      if (field.getType() == FieldDescriptor.Type.STRING && !value.isValidUtf8()) {
        value = ByteString.copyFrom(value.toString(StandardCharsets.UTF_8), StandardCharsets.UTF_8);
        repaired[0]++;
      } else if (field.getType() == FieldDescriptor.Type.MESSAGE) {
        value = ByteString.copyFrom(rewrite(value.newCodedInput(), field.getMessageType(), depth + 1, repaired));
      }
      out.writeUInt32NoTag(tag);
      out.writeBytesNoTag(value);
    }
    out.flush();
    return buf.toByteArray();
  }

  private static void copyValue(CodedInputStream in, CodedOutputStream out, int tag) throws IOException {
    switch (WireFormat.getTagWireType(tag)) {
      case WireFormat.WIRETYPE_VARINT:
        out.writeUInt64NoTag(in.readRawVarint64());
        break;
      case WireFormat.WIRETYPE_FIXED64:
        out.writeFixed64NoTag(in.readRawLittleEndian64());
        break;
      case WireFormat.WIRETYPE_FIXED32:
        out.writeFixed32NoTag(in.readRawLittleEndian32());
        break;
      case WireFormat.WIRETYPE_LENGTH_DELIMITED:
        out.writeBytesNoTag(in.readBytes());
        break;
      default:
        // groups (none in OTLP) and invalid wire types: not repairable
        throw new InvalidProtocolBufferException("unsupported wire type in tag " + tag);
    }
  }
}
