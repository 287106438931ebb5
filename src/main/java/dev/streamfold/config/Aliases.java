package dev.streamfold.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Old key names that are still read. A key lives under the stage it sizes; when one moves, its
 * old name stays here: given alone it applies at the new place with a warning, given together
 * with a different value at the new place it is an error. Errors about the value name the key
 * the user wrote. Stateless.
 */
final class Aliases {
  private static final Logger log = LoggerFactory.getLogger(Aliases.class);

  /** An old dotted path and where the key lives now. */
  record Alias(String old, String now) {}

  static final List<Alias> ALL = List.of(
      // the bound on items admitted and not yet processed is the window's, not a receiver's
      new Alias("receivers.otlp.max_pending_items", "window.max_pending_items"));

  private Aliases() {}

  /**
   * Moves every old key found in the user's tree (modified) to its new place.
   *
   * @return the moved keys, new path to old path, for naming the key in error messages
   */
  static Map<String, String> resolve(ObjectNode user, Validator v) {
    Map<String, String> moved = new LinkedHashMap<>();
    for (Alias a : ALL) {
      ObjectNode oldParent = parent(user, a.old(), false);
      String oldKey = last(a.old());
      JsonNode value = oldParent == null ? null : oldParent.get(oldKey);
      if (value == null) {
        continue;
      }
      oldParent.remove(oldKey);
      ObjectNode newParent = parent(user, a.now(), true);
      if (newParent == null) {
        v.check(false, a.now(), "must be a mapping (" + a.old() + " moved here)");
        continue;
      }
      JsonNode current = newParent.get(last(a.now()));
      if (current != null && !current.equals(value)) {
        v.check(false, a.old(), "is the deprecated name of " + a.now() + "; set only " + a.now());
        continue;
      }
      log.warn("{} is deprecated: use {} (now {})", a.old(), a.now(), value.asText());
      newParent.set(last(a.now()), value);
      moved.put(a.now(), a.old());
    }
    return moved;
  }

  private static ObjectNode parent(ObjectNode root, String path, boolean create) {
    String[] keys = path.split("\\.");
    ObjectNode node = root;
    for (int i = 0; i < keys.length - 1; i++) {
      JsonNode next = node.get(keys[i]);
      if ((next == null || next.isNull()) && create) {
        next = node.putObject(keys[i]);
      }
      if (!(next instanceof ObjectNode o)) {
        return null;
      }
      node = o;
    }
    return node;
  }

  private static String last(String path) {
    return path.substring(path.lastIndexOf('.') + 1);
  }
}
