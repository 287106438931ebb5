package dev.streamfold.telemetry;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * A small parser for the Prometheus text format 0.0.4 and OpenMetrics 1.0 text, enough to check
 * what the endpoint serves: families with their TYPE, samples with labels, values and
 * exemplars. Fails loudly on lines it does not understand.
 */
final class Exposition {
  record Sample(String name, Map<String, String> labels, double value, Map<String, String> exemplar, Double exemplarValue) {
    String label(String key) {
      return labels.get(key);
    }
  }

  private static final List<String> SUFFIXES = List.of("_bucket", "_count", "_sum", "_total", "_created", "_info", "");

  final Map<String, String> types = new LinkedHashMap<>();
  final List<Sample> samples = new ArrayList<>();
  boolean eof;

  static Exposition parse(String text) {
    Exposition e = new Exposition();
    for (String line : text.split("\n")) {
      if (line.isBlank()) {
        continue;
      }
      if (line.startsWith("#")) {
        String[] p = line.split(" ", 4);
        if (p.length >= 4 && p[1].equals("TYPE")) {
          e.types.put(p[2], p[3].trim());
        } else if (line.equals("# EOF")) {
          e.eof = true;
        } else if (!(p.length >= 3 && (p[1].equals("HELP") || p[1].equals("UNIT")))) {
          throw new IllegalArgumentException("unexpected comment line: " + line);
        }
        continue;
      }
      e.samples.add(parseSample(line));
    }
    return e;
  }

  /** The family a sample belongs to (its TYPE name). */
  String family(Sample s) {
    for (String suffix : SUFFIXES) {
      if (s.name().endsWith(suffix)) {
        String base = s.name().substring(0, s.name().length() - suffix.length());
        if (types.containsKey(base)) {
          return base;
        }
      }
    }
    throw new IllegalArgumentException("sample without a TYPE: " + s.name());
  }

  List<Sample> family(String family) {
    return samples.stream().filter(s -> family(s).equals(family)).collect(Collectors.toList());
  }

  List<Sample> named(String name) {
    return samples.stream().filter(s -> s.name().equals(name)).collect(Collectors.toList());
  }

  /** Samples named {@code name} whose labels include all of {@code match}. */
  List<Sample> named(String name, Map<String, String> match) {
    return named(name).stream()
        .filter(s -> s.labels().entrySet().containsAll(match.entrySet()))
        .collect(Collectors.toList());
  }

  /** Label key sets seen on a family's samples, {@code le} excluded. */
  Set<Set<String>> labelKeySets(String family) {
    Set<Set<String>> out = new java.util.HashSet<>();
    for (Sample s : family(family)) {
      Set<String> keys = new TreeSet<>(s.labels().keySet());
      keys.remove("le");
      out.add(keys);
    }
    return out;
  }

  private static Sample parseSample(String line) {
    int i = 0;
    while (i < line.length() && line.charAt(i) != '{' && line.charAt(i) != ' ') {
      i++;
    }
    String name = line.substring(0, i);
    Map<String, String> labels = new LinkedHashMap<>();
    if (i < line.length() && line.charAt(i) == '{') {
      i = parseLabels(line, i, labels);
    }
    String rest = line.substring(i).trim();
    Map<String, String> exemplar = null;
    Double exemplarValue = null;
    int hash = rest.indexOf(" # {");
    if (hash >= 0) {
      exemplar = new LinkedHashMap<>();
      String ex = rest.substring(hash + 3);
      int end = parseLabels(ex, 0, exemplar);
      String[] exParts = ex.substring(end).trim().split(" ");
      exemplarValue = number(exParts[0]);
      rest = rest.substring(0, hash).trim();
    }
    String[] parts = rest.split(" ");
    return new Sample(name, labels, number(parts[0]), exemplar, exemplarValue);
  }

  /** Parses {@code {k="v",...}} starting at {@code start}; returns the index after '}'. */
  private static int parseLabels(String s, int start, Map<String, String> out) {
    int i = start + 1;
    while (s.charAt(i) != '}') {
      int eq = s.indexOf('=', i);
      String key = s.substring(i, eq);
      if (s.charAt(eq + 1) != '"') {
        throw new IllegalArgumentException("unquoted label value in " + s);
      }
      StringBuilder v = new StringBuilder();
      int j = eq + 2;
      for (; s.charAt(j) != '"'; j++) {
        char c = s.charAt(j);
        if (c == '\\') {
          char n = s.charAt(++j);
          v.append(n == 'n' ? '\n' : n);
        } else {
          v.append(c);
        }
      }
      if (out.put(key, v.toString()) != null) {
        throw new IllegalArgumentException("duplicate label " + key + " in " + s);
      }
      i = j + 1;
      if (s.charAt(i) == ',') {
        i++;
      }
    }
    return i + 1;
  }

  static double number(String s) {
    switch (s) {
      case "+Inf":
        return Double.POSITIVE_INFINITY;
      case "-Inf":
        return Double.NEGATIVE_INFINITY;
      case "NaN":
        return Double.NaN;
      default:
        return Double.parseDouble(s);
    }
  }
}
