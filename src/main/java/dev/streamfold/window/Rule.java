package dev.streamfold.window;

import dev.streamfold.config.RuleConfig;
import dev.streamfold.otlp.Attributes;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A compiled recognition rule (see {@link RuleConfig}). A regex is guarded by its longest literal
 * run so that most non-matching names are rejected with a substring check, and its matcher is
 * reused. Not thread-safe: each window shard compiles its own rules.
 */
final class Rule {
  private final Pattern regex;
  private final Matcher matcher;
  private final String literal;
  private final String eventName;
  private final String attributeKey;
  private final String attributeValue;
  private final boolean block;
  /** How reports name the rule, e.g. {@code chunk_logs[1] event_name=llm_stream.chunk}. */
  final String label;

  Rule(RuleConfig c) {
    this(c, "rule");
  }

  Rule(RuleConfig c, String position) {
    this.label = position + describe(c);
    this.regex = c.nameRegex().isEmpty() ? null : Pattern.compile(c.nameRegex());
    this.matcher = regex == null ? null : regex.matcher("");
    this.literal = c.nameRegex().isEmpty() ? "" : longestLiteral(c.nameRegex());
    this.eventName = c.eventName();
    this.attributeKey = c.attributeKey();
    this.attributeValue = c.attributeValue();
    this.block = c.isBlock();
  }

  private static String describe(RuleConfig c) {
    StringBuilder b = new StringBuilder();
    if (!c.nameRegex().isEmpty()) {
      b.append(" name_regex=").append(c.nameRegex());
    }
    if (!c.eventName().isEmpty()) {
      b.append(" event_name=").append(c.eventName());
    }
    if (!c.attributeKey().isEmpty()) {
      b.append(' ').append(c.attributeKey()).append(c.attributeValue().isEmpty() ? " present" : "=" + c.attributeValue());
    }
    return b.toString();
  }

  /** Chunk-span rules: a matching span is a whole block ({@code chunk_time: block}). */
  boolean block() {
    return block;
  }

  /**
   * @param name span name, or event / log event name
   * @param eventName event name for event and log rules ("" for spans)
   */
  boolean matches(String name, String eventName, List<KeyValue> attrs) {
    if (!this.eventName.isEmpty() && !this.eventName.equals(eventName)) {
      return false;
    }
    if (regex != null) {
      if (!literal.isEmpty() && !name.contains(literal)) {
        return false;
      }
      if (!matcher.reset(name).matches()) {
        return false;
      }
    }
    if (!attributeKey.isEmpty()) {
      AnyValue v = Attributes.find(attrs, attributeKey);
      if (v == null) {
        return false;
      }
      return attributeValue.isEmpty() || attributeValue.equals(Attributes.string(v));
    }
    return true;
  }

  /** The longest run of characters the regex matches literally (conservative: stops at any metacharacter). */
  static String longestLiteral(String regex) {
    String best = "";
    StringBuilder cur = new StringBuilder();
    for (int i = 0; i < regex.length(); i++) {
      char c = regex.charAt(i);
      boolean meta = "\\^$.|?*+()[]{}".indexOf(c) >= 0;
      if (meta) {
        // A quantifier after a literal makes its last char optional: drop it.
        if ((c == '?' || c == '*' || c == '{') && cur.length() > 0) {
          cur.setLength(cur.length() - 1);
        }
        if (cur.length() > best.length()) {
          best = cur.toString();
        }
        cur.setLength(0);
        if (c == '\\' || c == '[' || c == '(' || c == '|') {
          // alternation or classes make everything uncertain: give up on literals
          if (c == '|') {
            return "";
          }
          if (c == '\\') {
            i++;
          } else {
            int close = regex.indexOf(c == '[' ? ']' : ')', i);
            if (close < 0) {
              return "";
            }
            i = close;
          }
        }
      } else {
        cur.append(c);
      }
    }
    return cur.length() > best.length() ? cur.toString() : best;
  }
}
