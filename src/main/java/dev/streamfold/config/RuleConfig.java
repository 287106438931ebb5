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
 * @param indexAttribute chunk rules only: the chunk attribute holding the chunk's index in its
 *     stream (an integer). A span rule may instead (or also) capture it in {@code name_regex}
 *     with a group named {@code index}, e.g. {@code ^.+::chunk_(?<index>[0-9]+)$}. Known indexes
 *     reveal chunks that never arrived (llm_stream.chunk.missing)
 * @param indexBase chunk rules only: the index of a stream's first chunk (0 for Burr's
 *     {@code chunk_{N}})
 */
public record RuleConfig(
    String nameRegex, String eventName, String attributeKey, String attributeValue, String chunkTime, String indexAttribute, long indexBase) {
  public static final String CHUNK_TIME_END = "end";
  public static final String CHUNK_TIME_BLOCK = "block";
  public static final String INDEX_GROUP = "index";

  /** Whether {@code name_regex} captures the chunk index in a group named {@code index}. */
  public boolean capturesIndex() {
    return nameRegex.contains("(?<" + INDEX_GROUP + ">");
  }

  public boolean isBlock() {
    return CHUNK_TIME_BLOCK.equals(chunkTime);
  }

  void validate(Validator v) {
    v.check(!nameRegex.isEmpty() || !eventName.isEmpty() || !attributeKey.isEmpty(), "", "a rule needs name_regex, event_name or attribute_key");
    v.check(attributeValue.isEmpty() || !attributeKey.isEmpty(), "attribute_value", "requires attribute_key");
    v.check(CHUNK_TIME_END.equals(chunkTime) || CHUNK_TIME_BLOCK.equals(chunkTime), "chunk_time",
        "must be end or block, got '" + chunkTime + "'");
    v.check(indexBase >= 0 && indexBase <= Integer.MAX_VALUE, "index_base", "must be between 0 and " + Integer.MAX_VALUE + ", got " + indexBase);
    if (!nameRegex.isEmpty()) {
      try {
        Pattern.compile(nameRegex);
      } catch (PatternSyntaxException e) {
        v.check(false, "name_regex", "invalid regular expression: " + e.getDescription());
      }
    }
  }
}
