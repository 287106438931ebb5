package dev.streamfold.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.streamfold.limiter.HeapBudget;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The one source of default values, applied by the loader to the parsed tree before binding:
 * the embedded default config ({@code config/streamfold.yaml}, documented key by key), the
 * bounds derived from the max heap ({@link HeapBudget}), and templates for the entries a list
 * or map may hold any number of (each recognition rule, each instrument, each TLS block; each
 * named exporter takes the file's {@code exporter} section). The config records carry no
 * defaults of their own: the binder requires every key, so a key missing here fails every test.
 */
final class Defaults {
  private static final JsonNodeFactory F = JsonNodeFactory.instance;

  private Defaults() {}

  /** The embedded file with the heap-derived bounds filled in. A fresh tree on every call. */
  static ObjectNode tree(String embeddedYaml, ObjectMapper yaml) throws ConfigException {
    ObjectNode d = ConfigLoader.readTree(embeddedYaml, "embedded default config", yaml);
    ObjectNode window = d.with("window");
    window.put("max_open_streams", HeapBudget.maxOpenStreams());
    window.put("max_pending_items", HeapBudget.maxPendingItems());
    window.put("memory_budget_mib", HeapBudget.windowBudgetMib());
    window.with("recently_closed").put("max_keys", HeapBudget.recentlyClosedKeys());
    d.with("exporter").with("queue").put("capacity_items", HeapBudget.queueCapacityItems());
    return d;
  }

  /** A recognition rule's keys (see {@link RuleConfig}). */
  static ObjectNode rule() {
    return F.objectNode().put("name_regex", "").put("event_name", "").put("attribute_key", "").put("attribute_value", "")
        .put("chunk_time", RuleConfig.CHUNK_TIME_END).put("index_attribute", "").put("index_base", 0);
  }

  /** A per-instrument entry of {@code telemetry.instruments}. */
  static ObjectNode instrument() {
    ObjectNode n = F.objectNode().put("enabled", true);
    n.putArray("buckets");
    return n;
  }

  /** Every key of a TLS block; the file lists the ones that apply on each side. */
  static ObjectNode tls() {
    return F.objectNode().put("insecure", true).put("cert_file", "").put("key_file", "").put("ca_file", "")
        .put("client_ca_file", "").put("insecure_skip_verify", false).put("key_password_env", "")
        .put("key_password_file", "");
  }

  /**
   * {@code user} laid over {@code defaults} (modified): mappings merge key by key, any other
   * value replaces the default. An empty section ({@code window:} with every key commented out)
   * keeps its defaults; an empty value where the default is a value is an error naming the key.
   */
  static ObjectNode overlay(ObjectNode defaults, JsonNode user, String path, Validator v) {
    List<Map.Entry<String, JsonNode>> fields = new ArrayList<>();
    user.fields().forEachRemaining(fields::add);
    for (Map.Entry<String, JsonNode> e : fields) {
      JsonNode mine = defaults.get(e.getKey());
      JsonNode theirs = e.getValue();
      String key = join(path, e.getKey());
      if (mine != null && mine.isObject() && theirs.isObject()) {
        overlay((ObjectNode) mine, theirs, key, v);
      } else if (theirs.isNull() && mine != null) {
        if (!mine.isObject()) {
          v.check(false, key, "must have a value");
        }
      } else {
        defaults.set(e.getKey(), theirs.deepCopy());
      }
    }
    return defaults;
  }

  /** Fills the entries of lists and maps from their templates; keys given win. */
  static void fillEntries(ObjectNode root, Validator v) {
    ObjectNode rules = (ObjectNode) root.path("window").path("rules");
    for (String list : List.of("chunk_spans", "chunk_events", "chunk_logs", "first_chunk_markers", "stream_spans")) {
      if (rules.get(list) instanceof ArrayNode a) {
        for (int i = 0; i < a.size(); i++) {
          if (a.get(i).isObject()) {
            a.set(i, overlay(rule(), a.get(i), "window.rules." + list + "[" + i + "]", v));
          }
        }
      }
    }
    if (root.path("telemetry").get("instruments") instanceof ObjectNode in) {
      List<String> names = new ArrayList<>();
      in.fieldNames().forEachRemaining(names::add);
      for (String name : names) {
        if (in.get(name).isObject()) {
          in.set(name, overlay(instrument(), in.get(name), "telemetry.instruments." + name, v));
        }
      }
    }
    fillTls(root, "", v);
  }

  private static void fillTls(JsonNode node, String path, Validator v) {
    if (!(node instanceof ObjectNode o)) {
      return;
    }
    List<String> names = new ArrayList<>();
    o.fieldNames().forEachRemaining(names::add);
    for (String name : names) {
      JsonNode child = o.get(name);
      if (name.equals("tls") && child.isObject()) {
        o.set(name, overlay(tls(), child, join(path, name), v));
      } else {
        fillTls(child, join(path, name), v);
      }
    }
  }

  static String join(String path, String key) {
    return path.isEmpty() ? key : path + "." + key;
  }
}
