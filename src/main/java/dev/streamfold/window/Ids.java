package dev.streamfold.window;

import com.google.protobuf.ByteString;
import java.util.HexFormat;

/** Conversions between OTLP id bytes and longs (big-endian). Stateless. */
final class Ids {
  private static final HexFormat HEX = HexFormat.of();

  private Ids() {}

  static long longAt(ByteString b, int offset) {
    long v = 0;
    for (int i = 0; i < 8; i++) {
      v = (v << 8) | (b.byteAt(offset + i) & 0xFF);
    }
    return v;
  }

  /** Trace id high 64 bits; 0 for a malformed id. */
  static long traceHi(ByteString b) {
    return b.size() == 16 ? longAt(b, 0) : 0;
  }

  static long traceLo(ByteString b) {
    return b.size() == 16 ? longAt(b, 8) : 0;
  }

  /** Span id as a long; 0 when empty or malformed (0 is never a valid span id). */
  static long spanId(ByteString b) {
    return b.size() == 8 ? longAt(b, 0) : 0;
  }

  static ByteString spanIdBytes(long id) {
    byte[] out = new byte[8];
    for (int i = 7; i >= 0; i--) {
      out[i] = (byte) id;
      id >>>= 8;
    }
    return ByteString.copyFrom(out);
  }

  /** Parses a 16-hex-char stream id override; 0 when malformed. */
  static long parseStreamId(String hex) {
    if (hex.length() != 16) {
      return 0;
    }
    try {
      return Long.parseUnsignedLong(hex, 16);
    } catch (NumberFormatException e) {
      return 0;
    }
  }

  static String hex(ByteString b) {
    return HEX.formatHex(b.toByteArray());
  }

  static String hex(long id) {
    return HEX.toHexDigits(id);
  }

  static long mix(long x) {
    x ^= x >>> 33;
    x *= 0xff51afd7ed558ccdL;
    x ^= x >>> 33;
    x *= 0xc4ceb9fe1a85ec53L;
    x ^= x >>> 33;
    return x;
  }

  static int shardOf(long traceHi, long traceLo, int shards) {
    if (shards == 1) {
      return 0;
    }
    return (int) Long.remainderUnsigned(mix(traceHi ^ Long.rotateLeft(traceLo, 17)), shards);
  }
}
