package dev.streamfold.config;

import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * One recognition rule; every condition that is set must hold (AND). For span rules
 * {@code name_regex} matches the span name; for event and log rules {@code event_name} is the
 * event / log event name and {@code name_regex} may match it instead. {@code attribute_key}
 * with {@code attribute_value} requires that attribute to equal the value (compared as its
 * string form); {@code attribute_key} alone requires presence.
 *
 * @param chunkTime chunk-span rules only: what a matching chunk span covers. {@code end}
 *     (default): producing one chunk, its time is the span end (Burr); {@code block}: a whole
 *     text or reasoning block from its first delta to its last, its time is the span start and
 *     sampling runs to the end of the last block (Mastra {@code model_chunk})
 */
public record RuleConfig(String nameRegex, String eventName, String attributeKey, String attributeValue, String chunkTime) {
  public static final String CHUNK_TIME_END = "end";
  public static final String CHUNK_TIME_BLOCK = "block";

  public boolean isBlock() {
    return CHUNK_TIME_BLOCK.equals(chunkTime);
  }

  void validate(Validator v) {
    v.check(!nameRegex.isEmpty() || !eventName.isEmpty() || !attributeKey.isEmpty(), "", "a rule needs name_regex, event_name or attribute_key");
    v.check(attributeValue.isEmpty() || !attributeKey.isEmpty(), "attribute_value", "requires attribute_key");
    v.check(CHUNK_TIME_END.equals(chunkTime) || CHUNK_TIME_BLOCK.equals(chunkTime), "chunk_time",
        "must be end or block, got '" + chunkTime + "'");
    if (!nameRegex.isEmpty()) {
      try {
        Pattern.compile(nameRegex);
      } catch (PatternSyntaxException e) {
        v.check(false, "name_regex", "invalid regular expression: " + e.getDescription());
      }
    }
  }
}
