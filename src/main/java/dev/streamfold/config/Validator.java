package dev.streamfold.config;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Collects validation errors with full key paths. Not thread-safe; used once at start-up. */
public final class Validator {
  private final String prefix;
  private final List<ConfigException> errors;
  /** Keys given under an old name ({@link Aliases}): new path to the path the user wrote. */
  private final Map<String, String> renamed;

  public Validator() {
    this("", new ArrayList<>(), new HashMap<>());
  }

  private Validator(String prefix, List<ConfigException> errors, Map<String, String> renamed) {
    this.prefix = prefix;
    this.errors = errors;
    this.renamed = renamed;
  }

  /** A validator for a nested section: keys are reported as {@code prefix.section.key}. */
  public Validator section(String name) {
    return new Validator(path(name), errors, renamed);
  }

  public String path(String key) {
    if (key.isEmpty()) {
      return prefix;
    }
    return prefix.isEmpty() ? key : prefix + "." + key;
  }

  /** Reports errors about {@code now} under the name the user wrote ({@code old}). */
  void rename(Map<String, String> nowToOld) {
    renamed.putAll(nowToOld);
  }

  /** The name the user wrote for {@code path}. */
  String written(String path) {
    return renamed.getOrDefault(path, path);
  }

  public void check(boolean ok, String key, String reason) {
    if (!ok) {
      errors.add(new ConfigException(written(path(key)), reason));
    }
  }

  public void positive(long value, String key) {
    check(value > 0, key, "must be > 0, got " + value);
  }

  public void nonNegative(long value, String key) {
    check(value >= 0, key, "must be >= 0, got " + value);
  }

  public void positive(Duration value, String key) {
    check(value != null && !value.isNegative() && !value.isZero(), key, "must be a positive duration, got " + value);
  }

  public void nonNegative(Duration value, String key) {
    check(value != null && !value.isNegative(), key, "must be a duration >= 0, got " + value);
  }

  public void notBlank(String value, String key) {
    check(value != null && !value.isBlank(), key, "must not be empty");
  }

  /** host:port with port 0..65535. */
  public void endpoint(String value, String key) {
    if (value == null || value.isBlank()) {
      check(false, key, "must be host:port");
      return;
    }
    int i = value.lastIndexOf(':');
    boolean ok = i > 0 && i < value.length() - 1;
    if (ok) {
      try {
        int port = Integer.parseInt(value.substring(i + 1));
        ok = port >= 0 && port <= 65535;
      } catch (NumberFormatException e) {
        ok = false;
      }
    }
    check(ok, key, "must be host:port with a port 0-65535, got '" + value + "'");
  }

  public List<ConfigException> errors() {
    return errors;
  }

  /** Throws the first error, with the others appended to the message. */
  public void throwIfAny() throws ConfigException {
    if (errors.isEmpty()) {
      return;
    }
    if (errors.size() == 1) {
      throw errors.get(0);
    }
    StringBuilder sb = new StringBuilder(errors.get(0).getMessage());
    for (int i = 1; i < errors.size(); i++) {
      sb.append("; ").append(errors.get(i).getMessage());
    }
    throw new ConfigException(errors.get(0).key(), sb.toString(), true);
  }
}
