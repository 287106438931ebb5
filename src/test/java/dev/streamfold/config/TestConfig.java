package dev.streamfold.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Configurations for tests, made the way users make them: the defaults plus {@code --set
 * path=value} overrides (values in YAML: {@code 20ms}, {@code [a, b]}, {@code {k: v}}), bound
 * and validated by {@link ConfigLoader}. {@code TestConfig.window("idle_timeout=1s")} is the
 * window section of {@code --set window.idle_timeout=1s}. An invalid override fails the test
 * with the loader's message; {@link #unchecked} skips validation for a configuration a test
 * means to be invalid.
 */
public final class TestConfig {
  private TestConfig() {}

  /** The defaults with {@code sets} applied, validated. */
  public static StreamfoldConfig of(String... sets) {
    return make(List.of(sets), true);
  }

  /** {@link #of} without validation. */
  public static StreamfoldConfig unchecked(String... sets) {
    return make(List.of(sets), false);
  }

  /** {@code base} with more overrides, validated. */
  public static StreamfoldConfig with(StreamfoldConfig base, String... sets) {
    try {
      return ConfigLoader.override(base, List.of(sets), true);
    } catch (ConfigException e) {
      throw new IllegalArgumentException(e.getMessage(), e);
    }
  }

  /**
   * A section ({@link #PLACES}: window, receiver, exporter, TLS, ...) with overrides relative to
   * it, validated in its place in the defaults ({@code TestConfig.with(exporter, "batch.max_size=10")}).
   */
  public static <T extends Record> T with(T section, String... sets) {
    return change(section, true, sets);
  }

  /** {@link #with(Record, String...)} without validation. */
  public static <T extends Record> T uncheckedWith(T section, String... sets) {
    return change(section, false, sets);
  }

  /** Where each section type sits in the configuration; TLS and auth as a receiver's. */
  static final Map<Class<?>, String> PLACES = Map.ofEntries(
      Map.entry(WindowConfig.class, "window"),
      Map.entry(ReceiverConfig.class, "receivers.otlp"),
      Map.entry(AuthConfig.class, "receivers.otlp.auth"),
      Map.entry(TlsConfig.class, "receivers.otlp.grpc.tls"),
      Map.entry(ExporterConfig.class, "exporter"),
      Map.entry(ExporterConfig.Retry.class, "exporter.retry"),
      Map.entry(TelemetryConfig.class, "telemetry"),
      Map.entry(ServiceConfig.class, "service"),
      Map.entry(ServiceConfig.MemoryLimiter.class, "service.memory_limiter"),
      Map.entry(DebugConfig.class, "service.debug"));

  /** {@code path=value} with the value written as YAML: durations as {@code 20ms}, strings quoted. */
  public static String set(String path, Object value) {
    return path + "=" + yaml(value);
  }

  static String yaml(Object v) {
    if (v instanceof Duration d) {
      return ConfigPrinter.format(d);
    }
    if (v instanceof Number || v instanceof Boolean) {
      return v.toString();
    }
    String s = String.valueOf(v);
    return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
  }

  @SuppressWarnings("unchecked")
  private static <T extends Record> T change(T section, boolean validate, String... sets) {
    String place = PLACES.get(section.getClass());
    if (place == null) {
      throw new IllegalArgumentException("no place known for " + section.getClass());
    }
    try {
      ObjectNode tree = JsonNodeFactory.instance.objectNode();
      String[] keys = place.split("\\.");
      ObjectNode parent = tree;
      for (int i = 0; i < keys.length - 1; i++) {
        parent = parent.putObject(keys[i]);
      }
      parent.set(keys[keys.length - 1], ConfigPrinter.tree(section));
      ObjectMapper mapper = ConfigLoader.mapper();
      for (String s : sets) {
        ConfigMerge.set(tree, place + "." + s, mapper, tree);
      }
      JsonNode built = ConfigPrinter.tree(ConfigLoader.build(tree, validate));
      for (String k : keys) {
        built = built.get(k);
      }
      return (T) mapper.treeToValue(built, section.getClass());
    } catch (ConfigException e) {
      throw new IllegalArgumentException(e.getMessage(), e);
    } catch (java.io.IOException e) {
      throw new IllegalStateException(e);
    }
  }

  public static WindowConfig window(String... sets) {
    return of(under("window", sets)).window();
  }

  public static ReceiverConfig receiver(String... sets) {
    return of(under("receivers.otlp", sets)).receivers().otlp();
  }

  public static ExporterConfig exporter(String... sets) {
    return of(under("exporter", sets)).exporter();
  }

  public static TelemetryConfig telemetry(String... sets) {
    return of(under("telemetry", sets)).telemetry();
  }

  public static ServiceConfig service(String... sets) {
    return of(under("service", sets)).service();
  }

  /** One chunk-span rule from its YAML mapping, e.g. {@code {name_regex: '^.+::chunk_[0-9]+$'}}. */
  public static RuleConfig rule(String yaml) {
    return window("rules.chunk_spans=[" + yaml + "]").rules().chunkSpans().get(0);
  }

  /** {@code sets} relative to {@code section}. */
  public static String[] under(String section, String... sets) {
    return Arrays.stream(sets).map(s -> section + "." + s).toArray(String[]::new);
  }

  /** {@code a} followed by {@code b}. */
  public static String[] concat(String[] a, String... b) {
    List<String> all = new ArrayList<>(Arrays.asList(a));
    all.addAll(Arrays.asList(b));
    return all.toArray(String[]::new);
  }

  private static StreamfoldConfig make(List<String> sets, boolean validate) {
    try {
      return ConfigLoader.build(new ConfigLoader(k -> null).tree(List.of(), sets), validate);
    } catch (ConfigException e) {
      throw new IllegalArgumentException(e.getMessage(), e);
    }
  }
}
