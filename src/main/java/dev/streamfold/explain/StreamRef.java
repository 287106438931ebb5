package dev.streamfold.explain;

import com.google.protobuf.ByteString;
import java.util.HexFormat;

/** A stream's key as the window names it: trace id (two longs) and stream id. */
record StreamRef(long traceHi, long traceLo, long streamId) {
  String traceHex() {
    return traceHex(traceHi, traceLo);
  }

  String streamHex() {
    return HexFormat.of().toHexDigits(streamId);
  }

  /** Lowercase hex of an id as OTLP JSON writes it ("" for an empty id). */
  static String hex(ByteString id) {
    return HexFormat.of().formatHex(id.toByteArray());
  }

  static String traceHex(long hi, long lo) {
    return HexFormat.of().toHexDigits(hi) + HexFormat.of().toHexDigits(lo);
  }
}
