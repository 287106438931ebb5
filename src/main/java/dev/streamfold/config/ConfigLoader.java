package dev.streamfold.config;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.deser.std.StdDeserializer;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Loads the YAML configuration: merges the sources ({@link ConfigMerge}), expands
 * {@code ${env:VAR}} and {@code ${env:VAR:-default}}, binds strictly (an unknown key is an
 * error) and validates. Every error names the key's
 * path and the reason.
 */
public final class ConfigLoader {
  /** Classpath resource holding the embedded default configuration. */
  public static final String DEFAULT_RESOURCE = "/streamfold.yaml";

  private static final Pattern ENV = Pattern.compile("\\$\\{env:([A-Za-z_][A-Za-z0-9_]*)(:-([^}]*))?}");
  private static final Pattern DURATION = Pattern.compile("(\\d+(?:\\.\\d+)?)(ns|us|ms|s|m|h)");

  private final Function<String, String> env;

  public ConfigLoader() {
    this(System::getenv);
  }

  public ConfigLoader(Function<String, String> env) {
    this.env = env;
  }

  public StreamfoldConfig load(Path file) throws ConfigException {
    return load(List.of(file), List.of());
  }

  /**
   * The configuration from several sources, as the command line gives them: the files merged in
   * order, then the {@code --set} overrides, laid over the defaults ({@link Defaults}).
   */
  public StreamfoldConfig load(List<Path> files, List<String> sets) throws ConfigException {
    return build(tree(files, sets), true);
  }

  /** The user's merged, environment-expanded tree of {@link #load(List, List)}, before defaults. */
  ObjectNode tree(List<Path> files, List<String> sets) throws ConfigException {
    ObjectMapper mapper = mapper();
    ObjectNode merged = mapper.createObjectNode();
    for (Path f : files) {
      ConfigMerge.merge(merged, readTree(read(f), f.toString(), mapper));
    }
    JsonNode shape = sets.isEmpty() ? null : Defaults.tree(defaultText(), mapper);
    for (String s : sets) {
      ConfigMerge.set(merged, s, mapper, shape);
    }
    return (ObjectNode) expandTree(merged, "");
  }

  static ObjectNode readTree(String yaml, String source, ObjectMapper mapper) throws ConfigException {
    try {
      JsonNode tree = mapper.readTree(yaml);
      if (tree == null || tree.isMissingNode() || tree.isNull()) {
        return mapper.createObjectNode();
      }
      if (!tree.isObject()) {
        throw new ConfigException("", source + ": the config must be a YAML mapping");
      }
      return (ObjectNode) tree;
    } catch (JsonProcessingException e) {
      throw new ConfigException("", source + ": invalid YAML: " + e.getOriginalMessage());
    }
  }

  private static String read(Path file) throws ConfigException {
    try {
      return Files.readString(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new ConfigException("", "cannot read config file " + file + ": " + e.getMessage());
    }
  }

  /** The embedded default config's text ({@code streamfold print-default-config}). */
  public static String defaultText() throws ConfigException {
    try (InputStream in = ConfigLoader.class.getResourceAsStream(DEFAULT_RESOURCE)) {
      if (in == null) {
        throw new ConfigException("", "the embedded default config " + DEFAULT_RESOURCE + " is missing from the jar");
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new ConfigException("", "cannot read embedded default config: " + e.getMessage());
    }
  }

  /**
   * The one way a configuration is made: the user's tree (modified) has its old key names moved
   * ({@link Aliases}), is laid over the defaults, bound strictly into the immutable records and,
   * when {@code validate}, validated; every error names the key. Tests skip validation to build
   * a configuration the validator would refuse.
   */
  static StreamfoldConfig build(ObjectNode user, boolean validate) throws ConfigException {
    Validator v = new Validator();
    v.rename(Aliases.resolve(user, v));
    ObjectMapper mapper = mapper();
    ObjectNode tree = Defaults.tree(defaultText(), mapper);
    JsonNode exporterTemplate = tree.get("exporter").deepCopy();
    Defaults.overlay(tree, user, "", v);
    namedExporters(tree, (ObjectNode) exporterTemplate, user.has("exporter"), v);
    Defaults.fillEntries(tree, v);
    StreamfoldConfig cfg = bind(tree, v);
    if (validate) {
      cfg.validate(v);
      v.throwIfAny();
    }
    return cfg;
  }

  /**
   * {@code exporters}: each entry is laid over the {@code exporter} defaults and gets its type from
   * its name; an unknown name or an entry without settings is an error (and left out).
   */
  private static void namedExporters(ObjectNode tree, ObjectNode template, boolean singleGiven, Validator root) {
    if (!(tree.get("exporters") instanceof ObjectNode named) || named.isEmpty()) {
      tree.putObject("exporters");
      return;
    }
    root.check(!singleGiven, "exporter", "set either exporter (one) or exporters (several by name), not both");
    Validator v = root.section("exporters");
    List<String> names = new ArrayList<>();
    named.fieldNames().forEachRemaining(names::add);
    for (String name : names) {
      JsonNode entry = named.get(name);
      String type = ExporterConfig.typeOf(name);
      boolean known = type != null && name.matches("[a-z_]+(/[A-Za-z0-9_.-]+)?");
      v.check(known, name, "not an exporter name: use otlp, otlphttp or file, optionally with /instance (e.g. otlp/tempo)");
      v.check(!known || entry.isObject(), name, "must have settings");
      if (!known || !entry.isObject()) {
        named.remove(name);
        continue;
      }
      ObjectNode filled = Defaults.overlay(template.deepCopy(), entry, "exporters." + name, v);
      filled.put("type", type);
      named.set(name, filled);
    }
  }

  /** Binds a complete tree strictly. */
  private static StreamfoldConfig bind(JsonNode tree, Validator v) throws ConfigException {
    try {
      return mapper().treeToValue(tree, StreamfoldConfig.class);
    } catch (UnrecognizedPropertyException e) {
      throw new ConfigException(v.written(path(e)), "unknown key '" + e.getPropertyName() + "'");
    } catch (JsonMappingException e) {
      throw new ConfigException(v.written(path(e)), e.getOriginalMessage());
    } catch (JsonProcessingException e) {
      throw new ConfigException("", "invalid config: " + e.getOriginalMessage());
    }
  }

  /**
   * {@code base} with {@code --set} overrides, made the same way as a loaded configuration (for
   * code that needs a variant of a loaded configuration, and for tests).
   */
  static StreamfoldConfig override(StreamfoldConfig base, List<String> sets, boolean validate) throws ConfigException {
    ObjectNode tree = ConfigPrinter.tree(base);
    if (!base.exporters().isEmpty()) {
      tree.remove("exporter");
    }
    ObjectMapper mapper = mapper();
    for (String s : sets) {
      ConfigMerge.set(tree, s, mapper, tree);
    }
    return build(tree, validate);
  }

  /**
   * A variant of a window configuration: {@code base} with overrides relative to {@code window}
   * (e.g. {@code shards=1}), made and validated like a loaded configuration.
   */
  public static WindowConfig window(WindowConfig base, String... sets) throws ConfigException {
    ObjectNode tree = JsonNodeFactory.instance.objectNode();
    tree.set("window", ConfigPrinter.tree(base));
    ObjectMapper mapper = mapper();
    for (String s : sets) {
      ConfigMerge.set(tree, "window." + s, mapper, tree);
    }
    return build(tree, true).window();
  }

  public StreamfoldConfig loadDefault() throws ConfigException {
    return load(List.of(), List.of());
  }

  public StreamfoldConfig parse(String yaml) throws ConfigException {
    ObjectMapper mapper = mapper();
    return build((ObjectNode) expandTree(readTree(yaml, "config", mapper), ""), true);
  }

  /** Expands environment references in string values (not in keys or comments). */
  private JsonNode expandTree(JsonNode node, String path) throws ConfigException {
    if (node.isTextual()) {
      String v = node.asText();
      return v.contains("${") ? TextNode.valueOf(expand(v, path)) : node;
    }
    if (node.isObject()) {
      ObjectNode o = (ObjectNode) node;
      Iterator<Map.Entry<String, JsonNode>> it = o.fields();
      List<Map.Entry<String, JsonNode>> fields = new ArrayList<>();
      it.forEachRemaining(fields::add);
      for (Map.Entry<String, JsonNode> f : fields) {
        o.set(f.getKey(), expandTree(f.getValue(), path.isEmpty() ? f.getKey() : path + "." + f.getKey()));
      }
      return o;
    }
    if (node.isArray()) {
      ArrayNode a = (ArrayNode) node;
      for (int i = 0; i < a.size(); i++) {
        a.set(i, expandTree(a.get(i), path + "[" + i + "]"));
      }
      return a;
    }
    return node;
  }

  String expand(String text, String path) throws ConfigException {
    Matcher m = ENV.matcher(text);
    StringBuilder sb = new StringBuilder();
    while (m.find()) {
      String name = m.group(1);
      String value = env.apply(name);
      if (value == null || value.isEmpty()) {
        if (m.group(2) != null) {
          value = m.group(3);
        } else if (value == null) {
          throw new ConfigException(path, "environment variable " + name + " is not set (use ${env:" + name + ":-default})");
        }
      }
      m.appendReplacement(sb, Matcher.quoteReplacement(value));
    }
    m.appendTail(sb);
    return sb.toString();
  }

  private static String path(JsonMappingException e) {
    StringBuilder sb = new StringBuilder();
    for (JsonMappingException.Reference r : e.getPath()) {
      if (r.getFieldName() != null) {
        if (sb.length() > 0) {
          sb.append('.');
        }
        sb.append(r.getFieldName());
      } else if (r.getIndex() >= 0) {
        sb.append('[').append(r.getIndex()).append(']');
      }
    }
    return sb.toString();
  }

  static ObjectMapper mapper() {
    SimpleModule m = new SimpleModule();
    m.addDeserializer(Duration.class, new DurationDeserializer());
    return new ObjectMapper(new YAMLFactory())
        .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
        .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, true)
        .configure(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES, true)
        .configure(DeserializationFeature.ACCEPT_FLOAT_AS_INT, false)
        .configure(DeserializationFeature.FAIL_ON_MISSING_CREATOR_PROPERTIES, true)
        .registerModule(m);
  }

  /** Parses {@code 200ms}, {@code 2s}, {@code 1.5m}, {@code 1h}, {@code 0}. */
  public static Duration parseDuration(String s) {
    String t = s.trim();
    if (t.equals("0")) {
      return Duration.ZERO;
    }
    Matcher m = DURATION.matcher(t);
    if (!m.matches()) {
      throw new IllegalArgumentException("not a duration: '" + s + "' (use e.g. 200ms, 2s, 5m, 1h)");
    }
    double v = Double.parseDouble(m.group(1));
    double nanos =
        switch (m.group(2)) {
          case "ns" -> v;
          case "us" -> v * 1e3;
          case "ms" -> v * 1e6;
          case "s" -> v * 1e9;
          case "m" -> v * 60e9;
          default -> v * 3600e9;
        };
    return Duration.ofNanos((long) nanos);
  }

  private static final class DurationDeserializer extends StdDeserializer<Duration> {
    private static final long serialVersionUID = 1L;

    DurationDeserializer() {
      super(Duration.class);
    }

    @Override
    public Duration deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
      String text = p.getValueAsString();
      if (text == null) {
        throw JsonMappingException.from(p, "must be a duration such as 200ms, 2s, 5m");
      }
      try {
        return parseDuration(text);
      } catch (IllegalArgumentException e) {
        throw JsonMappingException.from(p, e.getMessage());
      }
    }
  }
}
