package dev.streamfold.otlp;

import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import java.util.List;

/** Lookups over OTLP attribute lists. Linear scans: attribute lists are short. Stateless. */
public final class Attributes {
  private Attributes() {}

  public static AnyValue find(List<KeyValue> attrs, String key) {
    for (int i = 0, n = attrs.size(); i < n; i++) {
      KeyValue kv = attrs.get(i);
      if (kv.getKey().equals(key)) {
        return kv.getValue();
      }
    }
    return null;
  }

  public static boolean has(List<KeyValue> attrs, String key) {
    return find(attrs, key) != null;
  }

  /** A number (int, double or numeric string) as a double, or NaN when absent or not numeric. */
  public static double number(AnyValue v) {
    if (v == null) {
      return Double.NaN;
    }
    switch (v.getValueCase()) {
      case INT_VALUE:
        return v.getIntValue();
      case DOUBLE_VALUE:
        return v.getDoubleValue();
      case STRING_VALUE:
        try {
          return Double.parseDouble(v.getStringValue().trim());
        } catch (NumberFormatException e) {
          return Double.NaN;
        }
      default:
        return Double.NaN;
    }
  }

  public static double number(List<KeyValue> attrs, String key) {
    return number(find(attrs, key));
  }

  /** A whole non-negative count, or -1 when absent, not a number or negative. */
  public static long count(List<KeyValue> attrs, String key) {
    return count(find(attrs, key));
  }

  /** A whole non-negative count, or -1 when absent, not a number or negative. */
  public static long count(AnyValue v) {
    double d = number(v);
    if (!(d >= 0) || Double.isInfinite(d)) {
      return -1;
    }
    return (long) d;
  }

  /** true for boolean true or the string "true" (any case). */
  public static boolean isTrue(AnyValue v) {
    if (v == null) {
      return false;
    }
    return switch (v.getValueCase()) {
      case BOOL_VALUE -> v.getBoolValue();
      case STRING_VALUE -> v.getStringValue().equalsIgnoreCase("true");
      default -> false;
    };
  }

  /** The value in string form (for rule matching and labels); "" when absent. */
  public static String string(AnyValue v) {
    if (v == null) {
      return "";
    }
    return switch (v.getValueCase()) {
      case STRING_VALUE -> v.getStringValue();
      case BOOL_VALUE -> Boolean.toString(v.getBoolValue());
      case INT_VALUE -> Long.toString(v.getIntValue());
      case DOUBLE_VALUE -> Double.toString(v.getDoubleValue());
      default -> "";
    };
  }

  public static String string(List<KeyValue> attrs, String key) {
    return string(find(attrs, key));
  }

  public static KeyValue of(String key, String value) {
    return KeyValue.newBuilder().setKey(key).setValue(AnyValue.newBuilder().setStringValue(value)).build();
  }

  public static KeyValue of(String key, long value) {
    return KeyValue.newBuilder().setKey(key).setValue(AnyValue.newBuilder().setIntValue(value)).build();
  }

  public static KeyValue of(String key, double value) {
    return KeyValue.newBuilder().setKey(key).setValue(AnyValue.newBuilder().setDoubleValue(value)).build();
  }

  public static KeyValue of(String key, boolean value) {
    return KeyValue.newBuilder().setKey(key).setValue(AnyValue.newBuilder().setBoolValue(value)).build();
  }
}
