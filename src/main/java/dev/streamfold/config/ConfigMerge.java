package dev.streamfold.config;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import java.util.Iterator;
import java.util.Map;

/**
 * Combines configuration sources as the OpenTelemetry Collector does: several {@code --config}
 * files merge in order (mappings merge key by key, recursively; any other value, a list
 * included, is replaced by the later file's), then each {@code --set path=value} overrides one
 * key (dotted path, value parsed as YAML, missing mappings created). Stateless.
 */
public final class ConfigMerge {
  private ConfigMerge() {}

  /** Merges {@code later} into {@code base} (modified) and returns it. */
  public static ObjectNode merge(ObjectNode base, JsonNode later) {
    Iterator<Map.Entry<String, JsonNode>> it = later.fields();
    while (it.hasNext()) {
      Map.Entry<String, JsonNode> e = it.next();
      JsonNode mine = base.get(e.getKey());
      if (mine != null && mine.isObject() && e.getValue().isObject()) {
        merge((ObjectNode) mine, e.getValue());
      } else {
        base.set(e.getKey(), e.getValue().deepCopy());
      }
    }
    return base;
  }

  /**
   * Applies one {@code path=value} override, e.g. {@code receivers.otlp.grpc.endpoint=0.0.0.0:4317}
   * or {@code window.rules.chunk_spans=[]}.
   *
   * @throws ConfigException when the argument has no {@code =}, an empty path segment, or the
   *     path runs through a value that is not a mapping
   */
  public static void set(ObjectNode root, String assignment, ObjectMapper yaml) throws ConfigException {
    set(root, assignment, yaml, JsonNodeFactory.instance.objectNode());
  }

  /**
   * {@link #set(ObjectNode, String, ObjectMapper)} where {@code shape} (the defaults) tells which
   * paths are values even when {@code root} does not have them yet.
   */
  static void set(ObjectNode root, String assignment, ObjectMapper yaml, JsonNode shape) throws ConfigException {
    int eq = assignment.indexOf('=');
    if (eq <= 0) {
      throw new ConfigException("", "--set needs path=value, got '" + assignment + "'");
    }
    String path = assignment.substring(0, eq).strip();
    String text = assignment.substring(eq + 1);
    String[] keys = path.split("\\.", -1);
    ObjectNode node = root;
    JsonNode like = shape;
    for (int i = 0; i < keys.length; i++) {
      if (keys[i].isEmpty()) {
        throw new ConfigException(path, "--set: empty key in the path");
      }
      if (i == keys.length - 1) {
        node.set(keys[i], value(text, path, yaml));
        return;
      }
      JsonNode next = node.get(keys[i]);
      like = like == null ? null : like.get(keys[i]);
      boolean aValue = next == null || next.isNull() ? like != null && !like.isObject() && !like.isNull() : !next.isObject();
      if (aValue) {
        throw new ConfigException(String.join(".", java.util.Arrays.copyOf(keys, i + 1)),
            "--set " + path + ": is a value, not a mapping");
      }
      if (next == null || next.isNull()) {
        next = node.putObject(keys[i]);
      }
      node = (ObjectNode) next;
    }
  }

  private static JsonNode value(String text, String path, ObjectMapper yaml) throws ConfigException {
    if (text.isEmpty()) {
      return TextNode.valueOf("");
    }
    try {
      JsonNode v = yaml.readTree(text);
      return v == null || v.isMissingNode() ? JsonNodeFactory.instance.nullNode() : v;
    } catch (JsonProcessingException e) {
      throw new ConfigException(path, "--set: value is not valid YAML: " + e.getOriginalMessage());
    }
  }
}
