package dev.streamfold.config;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Unmodifiable copies for the lists and maps inside config records, in their given order. Null
 * stays null and null elements stay (the validator names them); used by the compact constructors.
 */
final class Frozen {
  private Frozen() {}

  static <T> List<T> list(List<T> l) {
    return l == null ? null : Collections.unmodifiableList(new ArrayList<>(l));
  }

  static <K, V> Map<K, V> map(Map<K, V> m) {
    return m == null ? null : Collections.unmodifiableMap(new LinkedHashMap<>(m));
  }
}
