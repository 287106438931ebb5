package dev.streamfold.testing;

import dev.streamfold.pipeline.Signal;
import dev.streamfold.pipeline.Unit;
import dev.streamfold.telemetry.PipelineMetrics;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.DoubleSupplier;

/** PipelineMetrics that counts into a map keyed like {@code dropped.span.duplicate_chunk}. Thread-safe. */
public final class CountingMetrics implements PipelineMetrics {
  private final Map<String, AtomicLong> counts = new ConcurrentHashMap<>();
  public final Map<String, DoubleSupplier> gauges = new ConcurrentHashMap<>();

  public long get(String key) {
    AtomicLong v = counts.get(key);
    return v == null ? 0 : v.get();
  }

  private void add(String key, long n) {
    if (n != 0) {
      counts.computeIfAbsent(key, k -> new AtomicLong()).addAndGet(n);
    }
  }

  /** Sum of all counters starting with {@code prefix}. */
  public long sum(String prefix) {
    long s = 0;
    for (Map.Entry<String, AtomicLong> e : counts.entrySet()) {
      if (e.getKey().startsWith(prefix)) {
        s += e.getValue().get();
      }
    }
    return s;
  }

  @Override
  public String toString() {
    return new java.util.TreeMap<>(counts).toString();
  }

  @Override
  public void received(Signal signal, Unit unit, long n) {
    add("received." + unit.label(), n);
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
  public void gauge(String name, String description, DoubleSupplier value, String... tags) {
    gauges.put(name + String.join(",", tags), value);
  }
}
