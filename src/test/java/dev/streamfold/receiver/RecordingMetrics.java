package dev.streamfold.receiver;

import dev.streamfold.pipeline.Signal;
import dev.streamfold.pipeline.Unit;
import dev.streamfold.telemetry.PipelineMetrics;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.DoubleSupplier;

/** Test metrics: sums counts by "kind:signal:reason-or-unit". */
final class RecordingMetrics implements PipelineMetrics {
  private final Map<String, AtomicLong> counts = new ConcurrentHashMap<>();
  final Map<String, DoubleSupplier> gauges = new ConcurrentHashMap<>();

  long refused(Signal signal, String reason) {
    return get("refused:" + signal.label() + ":" + reason);
  }

  long received(Signal signal, Unit unit) {
    return get("received:" + signal.label() + ":" + unit.label());
  }

  private long get(String key) {
    AtomicLong v = counts.get(key);
    return v == null ? 0 : v.get();
  }

  void clear() {
    counts.clear();
  }

  private void add(String key, long n) {
    counts.computeIfAbsent(key, k -> new AtomicLong()).addAndGet(n);
  }

  @Override
  public void received(Signal signal, Unit unit, long n) {
    add("received:" + signal.label() + ":" + unit.label(), n);
  }

  @Override
  public void refused(Signal signal, String reason, long n) {
    add("refused:" + signal.label() + ":" + reason, n);
  }

  @Override
  public void passed(Unit unit, long n) {}

  @Override
  public void condensed(Unit unit, long n) {}

  @Override
  public void dropped(Unit unit, String reason, long n) {}

  @Override
  public void generated(long n) {}

  @Override
  public void chunks(String shape, long n) {}

  @Override
  public void lateChunks(long n) {}

  @Override
  public void duplicateChunks(long n) {}

  @Override
  public void reparented(boolean ok, long n) {}

  @Override
  public void exported(Signal signal, long n) {}

  @Override
  public void exportFailed(Signal signal, String reason, long n) {}

  @Override
  public void exportPartialRejected(Signal signal, long n) {}

  @Override
  public void gauge(String name, String description, DoubleSupplier value, String... tags) {
    gauges.put(name + String.join(",", tags), value);
  }
}
