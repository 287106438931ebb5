package dev.streamfold.telemetry;

import dev.streamfold.pipeline.Signal;
import dev.streamfold.pipeline.Unit;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.DoubleSupplier;

/**
 * Every stage's metrics counted in memory, for tests and for {@code explain} (zipkin's
 * InMemoryCollectorMetrics idea). Counters are keyed by dotted strings:
 *
 * <ul>
 *   <li>receiver: {@code received.<signal>.<unit>}, {@code refused.<signal>.<reason>}
 *   <li>window: {@code passed.<unit>}, {@code condensed.<unit>}, {@code dropped.<unit>.<reason>},
 *       {@code generated}, {@code chunks.<shape>}, {@code late}, {@code duplicate}, {@code missing},
 *       {@code reparented.<true|false>}
 *   <li>export: {@code exported.<signal>}, {@code export_failed.<signal>.<reason>},
 *       {@code export_rejected.<signal>}, summed over exporters; through {@link #forExporter} also
 *       per exporter, prefixed {@code exporter.<name>.} (e.g. {@code exporter.otlp/tempo.exported.traces})
 * </ul>
 *
 * Gauges are kept under their name followed by their tags joined with commas. Thread-safe.
 */
public final class InMemoryMetrics implements PipelineMetrics {
  private final Map<String, LongAdder> counts = new ConcurrentHashMap<>();
  private final Map<String, DoubleSupplier> gauges = new ConcurrentHashMap<>();

  /** The counter under {@code key}, 0 if never incremented. */
  public long get(String key) {
    LongAdder v = counts.get(key);
    return v == null ? 0 : v.sum();
  }

  /** Sum of all counters whose key starts with {@code prefix}. */
  public long sum(String prefix) {
    long s = 0;
    for (Map.Entry<String, LongAdder> e : counts.entrySet()) {
      if (e.getKey().startsWith(prefix)) {
        s += e.getValue().sum();
      }
    }
    return s;
  }

  /** Units a receiver accepted for {@code signal}. */
  public long receivedCount(Signal signal, Unit unit) {
    return get("received." + signal.label() + "." + unit.label());
  }

  /** Requests or items refused for {@code signal} with {@code reason}. */
  public long refusedCount(Signal signal, String reason) {
    return get("refused." + signal.label() + "." + reason);
  }

  /** Forgets every counter (gauges stay registered). */
  public void clear() {
    counts.clear();
  }

  /** Current value of the gauge registered as {@code name} with {@code tags}; NaN if absent. */
  public double gaugeValue(String name, String... tags) {
    DoubleSupplier g = gauges.get(gaugeKey(name, tags));
    return g == null ? Double.NaN : g.getAsDouble();
  }

  /** Names (with tags) of every registered gauge. */
  public java.util.Set<String> gaugeKeys() {
    return java.util.Set.copyOf(gauges.keySet());
  }

  /** Every counter, sorted by key. */
  public Map<String, Long> snapshot() {
    Map<String, Long> m = new TreeMap<>();
    counts.forEach((k, v) -> m.put(k, v.sum()));
    return m;
  }

  @Override
  public String toString() {
    return snapshot().toString();
  }

  private void add(String key, long n) {
    if (n != 0) {
      counts.computeIfAbsent(key, k -> new LongAdder()).add(n);
    }
  }

  private static String gaugeKey(String name, String... tags) {
    return tags.length == 0 ? name : name + "," + String.join(",", tags);
  }

  @Override
  public void received(Signal signal, Unit unit, long n) {
    add("received." + signal.label() + "." + unit.label(), n);
  }

  @Override
  public void refused(Signal signal, String reason, long n) {
    add("refused." + signal.label() + "." + reason, n);
  }

  @Override
  public void passed(Unit unit, long n) {
    add("passed." + unit.label(), n);
  }

  @Override
  public void condensed(Unit unit, long n) {
    add("condensed." + unit.label(), n);
  }

  @Override
  public void dropped(Unit unit, String reason, long n) {
    add("dropped." + unit.label() + "." + reason, n);
  }

  @Override
  public void generated(long n) {
    add("generated", n);
  }

  @Override
  public void chunks(String shape, long n) {
    add("chunks." + shape, n);
  }

  @Override
  public void lateChunks(long n) {
    add("late", n);
  }

  @Override
  public void duplicateChunks(long n) {
    add("duplicate", n);
  }

  @Override
  public void missingChunks(long n) {
    add("missing", n);
  }

  @Override
  public void reparented(boolean ok, long n) {
    add("reparented." + ok, n);
  }

  @Override
  public void exported(Signal signal, long n) {
    add("exported." + signal.label(), n);
  }

  @Override
  public void exportFailed(Signal signal, String reason, long n) {
    add("export_failed." + signal.label() + "." + reason, n);
  }

  @Override
  public void exportPartialRejected(Signal signal, long n) {
    add("export_rejected." + signal.label(), n);
  }

  @Override
  public ExportMetrics forExporter(String name) {
    String prefix = "exporter." + name + ".";
    InMemoryMetrics all = this;
    return new ExportMetrics() {
      @Override
      public void exported(Signal signal, long n) {
        all.exported(signal, n);
        all.add(prefix + "exported." + signal.label(), n);
      }

      @Override
      public void exportFailed(Signal signal, String reason, long n) {
        all.exportFailed(signal, reason, n);
        all.add(prefix + "export_failed." + signal.label() + "." + reason, n);
      }

      @Override
      public void exportPartialRejected(Signal signal, long n) {
        all.exportPartialRejected(signal, n);
        all.add(prefix + "export_rejected." + signal.label(), n);
      }

      @Override
      public void gauge(String gaugeName, String description, DoubleSupplier value, String... tags) {
        all.gauge(gaugeName, description, value, tags);
      }
    };
  }

  @Override
  public void gauge(String name, String description, DoubleSupplier value, String... tags) {
    gauges.put(gaugeKey(name, tags), value);
  }
}
