package dev.streamfold.window;

import io.opentelemetry.proto.common.v1.AnyValue;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;

/** Timestamps carried in attribute values. Stateless. */
final class Timestamps {
  private Timestamps() {}

  /**
   * Epoch nanoseconds of an ISO-8601 instant ({@code 2026-11-23T01:02:39.609Z}, or with an
   * offset) or of an integer already in epoch nanoseconds; -1 when absent or unreadable.
   */
  static long epochNanos(AnyValue v) {
    if (v == null) {
      return -1;
    }
    switch (v.getValueCase()) {
      case INT_VALUE:
        return v.getIntValue() > 0 ? v.getIntValue() : -1;
      case STRING_VALUE:
        return parseIso(v.getStringValue().trim());
      default:
        return -1;
    }
  }

  private static long parseIso(String s) {
    if (s.isEmpty()) {
      return -1;
    }
    Instant t;
    try {
      t = Instant.parse(s);
    } catch (DateTimeParseException e) {
      try {
        t = OffsetDateTime.parse(s).toInstant();
      } catch (DateTimeParseException e2) {
        return -1;
      }
    }
    if (t.getEpochSecond() < 0 || t.getEpochSecond() > Long.MAX_VALUE / 1_000_000_000L - 1) {
      return -1;
    }
    return t.getEpochSecond() * 1_000_000_000L + t.getNano();
  }
}
