package dev.streamfold.config;

import com.fasterxml.jackson.annotation.JsonAutoDetect;
import com.fasterxml.jackson.annotation.PropertyAccessor;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.ser.std.StdSerializer;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The effective configuration as YAML, every key with its value after merging, {@code --set},
 * environment expansion and defaults ({@code streamfold print-config}). Secrets are masked:
 * every header value, and any key naming a password, token, secret or API key (the
 * {@code *_env} / {@code *_file} keys name where a secret is, so they stay). Stateless.
 */
public final class ConfigPrinter {
  static final String MASK = "<masked>";
  private static final Pattern SECRET = Pattern.compile(".*(password|token|secret|api_key|apikey|authorization).*");

  private ConfigPrinter() {}

  /**
   * The keys whose values differ between two configurations, as dotted paths ({@code
   * window.idle_timeout}); a list counts as one value.
   */
  public static List<String> changedKeys(StreamfoldConfig before, StreamfoldConfig after) {
    ObjectMapper m = mapper();
    List<String> out = new ArrayList<>();
    diff(m.valueToTree(before), m.valueToTree(after), "", out);
    return out;
  }

  private static void diff(JsonNode a, JsonNode b, String path, List<String> out) {
    if (a != null && b != null && a.isObject() && b.isObject()) {
      java.util.Set<String> keys = new java.util.LinkedHashSet<>();
      a.fieldNames().forEachRemaining(keys::add);
      b.fieldNames().forEachRemaining(keys::add);
      for (String k : keys) {
        diff(a.get(k), b.get(k), path.isEmpty() ? k : path + "." + k, out);
      }
    } else if (a == null ? b != null : !a.equals(b)) {
      out.add(path);
    }
  }

  /** Every key of {@code cfg} (a config record), unmasked, as the loader reads it back (durations in their short form). */
  static ObjectNode tree(Object cfg) {
    return mapper().valueToTree(cfg);
  }

  public static String yaml(StreamfoldConfig cfg) {
    ObjectMapper m = mapper();
    ObjectNode tree = m.valueToTree(cfg);
    mask(tree, false);
    try {
      return m.writeValueAsString(tree);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot print the config: " + e.getOriginalMessage(), e);
    }
  }

  private static void mask(JsonNode node, boolean allValues) {
    if (node instanceof ObjectNode o) {
      List<Map.Entry<String, JsonNode>> fields = new ArrayList<>();
      o.fields().forEachRemaining(fields::add);
      for (Map.Entry<String, JsonNode> f : fields) {
        String key = f.getKey().toLowerCase(java.util.Locale.ROOT);
        JsonNode v = f.getValue();
        boolean secret = allValues || (SECRET.matcher(key).matches() && !key.endsWith("_env") && !key.endsWith("_file"));
        if (v.isContainerNode()) {
          mask(v, secret || key.equals("headers"));
        } else if (secret && !v.isNull() && !(v.isTextual() && v.asText().isEmpty())) {
          o.put(f.getKey(), MASK);
        }
      }
    } else if (node.isArray()) {
      node.forEach(n -> mask(n, allValues));
    }
  }

  private static ObjectMapper mapper() {
    SimpleModule durations = new SimpleModule();
    durations.addSerializer(Duration.class, new DurationSerializer());
    return new ObjectMapper(new YAMLFactory()
            .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
            .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES))
        .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
        .setVisibility(PropertyAccessor.ALL, JsonAutoDetect.Visibility.NONE)
        .setVisibility(PropertyAccessor.FIELD, JsonAutoDetect.Visibility.ANY)
        .registerModule(durations);
  }

  /** The shortest exact form: {@code 2s}, {@code 200ms}, {@code 5m}, {@code 0}. */
  static String format(Duration d) {
    long nanos = d.toNanos();
    if (nanos == 0) {
      return "0";
    }
    String[] units = {"h", "m", "s", "ms", "us"};
    long[] sizes = {3_600_000_000_000L, 60_000_000_000L, 1_000_000_000L, 1_000_000L, 1_000L};
    for (int i = 0; i < units.length; i++) {
      if (nanos % sizes[i] == 0) {
        return nanos / sizes[i] + units[i];
      }
    }
    return nanos + "ns";
  }

  private static final class DurationSerializer extends StdSerializer<Duration> {
    private static final long serialVersionUID = 1L;

    DurationSerializer() {
      super(Duration.class);
    }

    @Override
    public void serialize(Duration value, JsonGenerator gen, SerializerProvider provider) throws IOException {
      gen.writeString(format(value));
    }
  }
}
