package dev.streamfold.otlp;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import com.google.gson.JsonPrimitive;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.util.JsonFormat;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Map;
import java.util.Set;

/**
 * OTLP JSON encoding (not protobuf's canonical JSON): trace, span and parent span ids are hex
 * strings, enums are integers, unknown fields are ignored. Implemented around {@link JsonFormat}
 * by converting the id fields between hex and base64. Thread-safe.
 */
public final class OtlpJson {
  private static final Set<String> ID_FIELDS =
      Set.of("traceId", "spanId", "parentSpanId", "trace_id", "span_id", "parent_span_id");
  private static final HexFormat HEX = HexFormat.of();
  private static final JsonFormat.Printer PRINTER =
      JsonFormat.printer().omittingInsignificantWhitespace().printingEnumsAsInts();
  private static final JsonFormat.Parser PARSER = JsonFormat.parser().ignoringUnknownFields();

  private OtlpJson() {}

  /** Encodes a message as one line of OTLP JSON. */
  public static String print(Message message) {
    try {
      JsonElement tree = JsonParser.parseString(PRINTER.print(message));
      convertIds(tree, true);
      return tree.toString();
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException("cannot encode " + message.getDescriptorForType().getName(), e);
    }
  }

  /**
   * Decodes OTLP JSON into {@code builder}.
   *
   * @throws InvalidProtocolBufferException when the text is not valid JSON, an id is not hex, or
   *     a field has the wrong type
   */
  public static void merge(String json, Message.Builder builder) throws InvalidProtocolBufferException {
    JsonElement tree;
    try {
      tree = JsonParser.parseString(json);
    } catch (JsonParseException | IllegalStateException e) {
      throw new InvalidProtocolBufferException("invalid JSON: " + e.getMessage());
    }
    if (!tree.isJsonObject()) {
      throw new InvalidProtocolBufferException("invalid OTLP JSON: top level must be an object");
    }
    try {
      convertIds(tree, false);
    } catch (IllegalArgumentException e) {
      throw new InvalidProtocolBufferException("invalid OTLP JSON: " + e.getMessage());
    }
    try {
      PARSER.merge(tree.toString(), builder);
    } catch (InvalidProtocolBufferException e) {
      throw e;
    } catch (RuntimeException e) {
      throw new InvalidProtocolBufferException("invalid OTLP JSON: " + e.getMessage());
    }
  }

  /** toHex: base64 (JsonFormat output) to hex; otherwise hex (OTLP input) to base64. */
  private static void convertIds(JsonElement e, boolean toHex) {
    if (e.isJsonArray()) {
      JsonArray a = e.getAsJsonArray();
      for (JsonElement c : a) {
        convertIds(c, toHex);
      }
    } else if (e.isJsonObject()) {
      JsonObject o = e.getAsJsonObject();
      for (Map.Entry<String, JsonElement> f : o.entrySet()) {
        JsonElement v = f.getValue();
        if (ID_FIELDS.contains(f.getKey()) && v.isJsonPrimitive() && v.getAsJsonPrimitive().isString()) {
          String s = v.getAsString();
          if (toHex) {
            f.setValue(new JsonPrimitive(HEX.formatHex(Base64.getDecoder().decode(s))));
          } else {
            if (s.length() % 2 != 0) {
              throw new IllegalArgumentException(f.getKey() + " is not a hex string");
            }
            byte[] bytes;
            try {
              bytes = HEX.parseHex(s);
            } catch (IllegalArgumentException ex) {
              throw new IllegalArgumentException(f.getKey() + " is not a hex string");
            }
            f.setValue(new JsonPrimitive(Base64.getEncoder().encodeToString(bytes)));
          }
        } else if (v.isJsonObject() || v.isJsonArray()) {
          convertIds(v, toHex);
        }
      }
    }
  }
}
