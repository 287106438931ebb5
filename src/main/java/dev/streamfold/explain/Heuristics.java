package dev.streamfold.explain;

import dev.streamfold.config.RuleConfig;
import dev.streamfold.otlp.Attributes;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.trace.v1.Span;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The "looks like a stream" signals and the advice that goes with them, shared by
 * {@code explain} and the live debug page. Pure functions of an item's names and attribute keys
 * (never payload values beyond short enumerations such as {@code gen_ai.operation.name}).
 */
public final class Heuristics {
  /** {@code gen_ai.operation.name} values of model calls (SPEC 3: GenAI client spans). */
  static final Set<String> MODEL_OPERATIONS = Set.of("chat", "text_completion", "generate_content");
  private static final Pattern TRAILING_NUMBER = Pattern.compile("^(.*?\\D)?([0-9]+)$");
  private static final Pattern CHUNKY = Pattern.compile("(?i).*(chunk|delta|token).*");

  private Heuristics() {}

  /**
   * Why a span looks like an LLM call (a streamed one, maybe): the attributes that say so, e.g.
   * {@code gen_ai.operation.name=chat, gen_ai.request.stream=true}; empty when nothing does.
   */
  public static String modelCallSignals(Span s) {
    List<KeyValue> a = s.getAttributesList();
    List<String> found = new ArrayList<>(3);
    String op = Attributes.string(a, "gen_ai.operation.name");
    if (MODEL_OPERATIONS.contains(op)) {
      found.add("gen_ai.operation.name=" + op);
    }
    if (Attributes.isTrue(Attributes.find(a, "gen_ai.request.stream"))) {
      found.add("gen_ai.request.stream=true");
    }
    if (Attributes.isTrue(Attributes.find(a, "llm.is_streaming"))) {
      found.add("llm.is_streaming=true");
    }
    String kind = Attributes.string(a, "openinference.span.kind");
    if (kind.equalsIgnoreCase("LLM")) {
      found.add("openinference.span.kind=LLM");
    }
    String type = Attributes.string(a, "llm.request.type");
    if (type.equals("chat") || type.equals("completion")) {
      found.add("llm.request.type=" + type);
    }
    return String.join(", ", found);
  }

  /** Whether {@link #modelCallSignals} would find anything; one pass over the attributes, no allocation. */
  public static boolean isModelCall(Span s) {
    List<KeyValue> a = s.getAttributesList();
    for (int i = 0, n = a.size(); i < n; i++) {
      switch (a.get(i).getKey()) {
        case "gen_ai.operation.name", "gen_ai.request.stream", "llm.is_streaming", "openinference.span.kind", "llm.request.type" -> {
          return !modelCallSignals(s).isEmpty();
        }
        default -> { }
      }
    }
    return false;
  }

  /** The advice for a model-call span streamfold can derive nothing from. */
  public static String noStreamDataAdvice() {
    return "a producer would need to send one of: a span event per chunk named gen_ai.content.completion.chunk on this span;"
        + " a log record per chunk in this span's context with event name gen_ai.content.completion.chunk or llm_stream.chunk;"
        + " a child span per chunk with llm_stream.is_chunk=true;"
        + " or summary attributes on this span (gen_ai.response.time_to_first_chunk in seconds, or ttft_ms and sampling_ms)";
  }

  /**
   * A chunk-span rule for sibling spans named like {@code name}: names that differ only in a
   * trailing number get a regex for the number; a name mentioning chunk, delta or token gets an
   * exact-name regex; anything else null (repeated sibling names are common: tool calls, retries).
   */
  public static String chunkSpanRegex(String name) {
    Matcher m = TRAILING_NUMBER.matcher(name);
    if (m.matches() && m.group(1) != null) {
      return "^" + quote(m.group(1)) + "[0-9]+$";
    }
    if (CHUNKY.matcher(name).matches()) {
      return "^" + quote(name) + "$";
    }
    return null;
  }

  /** The name with a trailing number replaced by {@code N}: siblings {@code gen::chunk_0}, {@code gen::chunk_1} group together. */
  public static String nameShape(String name) {
    Matcher m = TRAILING_NUMBER.matcher(name);
    return m.matches() && m.group(1) != null ? m.group(1) + "N" : name;
  }

  /** Regex metacharacters escaped one by one (readable in YAML, unlike \Q...\E). */
  static String quote(String s) {
    StringBuilder b = new StringBuilder(s.length() + 8);
    for (char c : s.toCharArray()) {
      if ("\\^$.|?*+()[]{}".indexOf(c) >= 0) {
        b.append('\\');
      }
      b.append(c);
    }
    return b.toString();
  }

  /**
   * How to add a rule to {@code window.rules.<list>} in YAML, keeping the configured entries (a
   * list given in the file replaces the default list).
   */
  public static String addRule(String list, List<RuleConfig> current, String newEntry) {
    StringBuilder b = new StringBuilder("window:\n  rules:\n    ").append(list).append(":\n");
    for (RuleConfig r : current) {
      b.append("      - ").append(describe(r)).append('\n');
    }
    b.append("      - ").append(newEntry);
    return b.toString();
  }

  /** A rule in its YAML flow form, e.g. <code>{event_name: llm_stream.chunk}</code>. */
  public static String describe(RuleConfig r) {
    List<String> parts = new ArrayList<>(3);
    if (!r.nameRegex().isEmpty()) {
      parts.add("name_regex: '" + r.nameRegex().replace("'", "''") + "'");
    }
    if (!r.eventName().isEmpty()) {
      parts.add("event_name: " + yamlScalar(r.eventName()));
    }
    if (!r.attributeKey().isEmpty()) {
      parts.add("attribute_key: " + yamlScalar(r.attributeKey()));
    }
    if (!r.attributeValue().isEmpty()) {
      parts.add("attribute_value: " + yamlScalar(r.attributeValue()));
    }
    return "{" + String.join(", ", parts) + "}";
  }

  static String yamlScalar(String s) {
    return s.matches("[A-Za-z0-9_.\\-]+") ? s : "'" + s.replace("'", "''") + "'";
  }
}
