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
 * run so that most non-matching names are rejected with a substring check, its matcher is
 * reused, and its verdict on the last names seen is remembered: chunk span names repeat (the
 * same few operations with a chunk number), and a regex with a leading {@code .+} backtracks
 * over the whole name on every call. Not thread-safe: each window shard compiles its own rules.
 */
final class Rule {
  /** Names whose regex verdict is remembered, direct-mapped by hash (a power of two). */
  static final int NAME_CACHE = 256;
  /** Longer names are matched every time: the cache must not keep big strings alive. */
  static final int MAX_CACHED_NAME = 128;

  private final Pattern regex;
  private final Matcher matcher;
  private final String[] cachedNames;
  private final boolean[] cachedVerdicts;
  private final long[] cachedIndexes;
  private final String literal;
  private final String eventName;
  private final String attributeKey;
  private final String attributeValue;
  private final boolean block;
  /** Chunk index: captured by the regex group {@code index} (its number, 0 = none), or held in this attribute ("" = none). */
  private final int indexGroup;
  private final String indexAttribute;
  private final long indexBase;
  /** The raw index the regex captured from the name last matched, -1 if none. */
  private long lastIndex = -1;
  /** How reports name the rule, e.g. {@code chunk_logs[1] event_name=llm_stream.chunk}. */
  final String label;

  Rule(RuleConfig c) {
    this(c, "rule");
  }

  Rule(RuleConfig c, String position) {
    this.label = position + describe(c);
    this.regex = c.nameRegex().isEmpty() ? null : Pattern.compile(c.nameRegex());
    this.matcher = regex == null ? null : regex.matcher("");
    this.cachedNames = regex == null ? null : new String[NAME_CACHE];
    this.cachedVerdicts = regex == null ? null : new boolean[NAME_CACHE];
    this.cachedIndexes = regex == null ? null : new long[NAME_CACHE];
    this.literal = c.nameRegex().isEmpty() ? "" : longestLiteral(c.nameRegex());
    this.eventName = c.eventName();
    this.attributeKey = c.attributeKey();
    this.attributeValue = c.attributeValue();
    this.block = c.isBlock();
    this.indexGroup = regex != null && c.capturesIndex() ? groupNumber(c.nameRegex(), RuleConfig.INDEX_GROUP) : 0;
    this.indexAttribute = c.indexAttribute();
    this.indexBase = c.indexBase();
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
      if (!regexMatches(name)) {
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

  /** Whether this rule says where a chunk's index is. */
  boolean hasIndex() {
    return indexGroup > 0 || !indexAttribute.isEmpty();
  }

  /**
   * The index of a chunk this rule matched, counted from 0 (the rule's {@code index_base}
   * subtracted), or -1 when the rule has no index, the chunk does not carry one, or it is below
   * the base or beyond an int.
   */
  int index(String name, List<KeyValue> attrs) {
    long raw = -1;
    if (!indexAttribute.isEmpty()) {
      raw = Attributes.count(attrs, indexAttribute);
    }
    if (raw < 0 && indexGroup > 0) {
      if (!regexMatches(name)) {
        return -1;
      }
      raw = lastIndex;
    }
    return normalize(raw, indexBase);
  }

  /** A raw index less the base, or -1 when absent, below the base or beyond an int. */
  static int normalize(long raw, long base) {
    if (raw < base || raw - base > Integer.MAX_VALUE - 1) {
      return -1;
    }
    return (int) (raw - base);
  }

  /**
   * The number of the capturing group named {@code name} in {@code regex} (counting capturing
   * groups left to right, skipping escapes, character classes and non-capturing groups), or 0.
   * Resolved once, so that reading a chunk's index costs no name lookup.
   */
  static int groupNumber(String regex, String name) {
    int n = 0;
    boolean inClass = false;
    for (int i = 0; i < regex.length(); i++) {
      char c = regex.charAt(i);
      if (c == '\\') {
        i++;
      } else if (inClass) {
        inClass = c != ']';
      } else if (c == '[') {
        inClass = true;
      } else if (c == '(') {
        boolean special = i + 1 < regex.length() && regex.charAt(i + 1) == '?';
        boolean named = special && regex.startsWith("?<", i + 1) && i + 3 < regex.length()
            && regex.charAt(i + 3) != '=' && regex.charAt(i + 3) != '!';
        if (!special || named) {
          n++;
        }
        if (named && regex.startsWith("?<" + name + ">", i + 1)) {
          return n;
        }
      }
    }
    return 0;
  }

  /** The decimal digits {@code s[from, to)} as a number; -1 when empty, not digits, or too long to be an index. */
  static long parseIndex(CharSequence s, int from, int to) {
    if (from < 0 || to <= from || to - from > 18) {
      return -1;
    }
    long v = 0;
    for (int i = from; i < to; i++) {
      char c = s.charAt(i);
      if (c < '0' || c > '9') {
        return -1;
      }
      v = v * 10 + (c - '0');
    }
    return v;
  }

  /** Whether the regex matches the whole name; sets {@link #lastIndex}. Remembered per name. */
  private boolean regexMatches(String name) {
    if (name.length() > MAX_CACHED_NAME) {
      return match(name);
    }
    int h = name.hashCode();
    int i = (h ^ (h >>> 16)) & (NAME_CACHE - 1);
    if (name.equals(cachedNames[i])) {
      lastIndex = cachedIndexes[i];
      return cachedVerdicts[i];
    }
    boolean verdict = match(name);
    cachedNames[i] = name;
    cachedVerdicts[i] = verdict;
    cachedIndexes[i] = lastIndex;
    return verdict;
  }

  private boolean match(String name) {
    boolean m = matcher.reset(name).matches();
    lastIndex = m && indexGroup > 0 ? parseIndex(name, matcher.start(indexGroup), matcher.end(indexGroup)) : -1;
    return m;
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
