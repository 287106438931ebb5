package dev.streamfold.export;

import dev.streamfold.pipeline.Signal;
import dev.streamfold.pipeline.Unit;
import dev.streamfold.telemetry.PipelineMetrics;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.DoubleSupplier;

/** PipelineMetrics fake that counts the export-side calls. */
final class CountingMetrics implements PipelineMetrics {
  final Map<String, LongAdder> counts = new ConcurrentHashMap<>();
  final Map<String, DoubleSupplier> gauges = new ConcurrentHashMap<>();

  private void add(String key, long n) {
    counts.computeIfAbsent(key, k -> new LongAdder()).add(n);
  }

  long get(String key) {
    LongAdder a = counts.get(key);
    return a == null ? 0 : a.sum();
  }

  long exported(Signal s) {
    return get("exported/" + s.label());
  }

  long failed(Signal s, String reason) {
    return get("failed/" + s.label() + "/" + reason);
  }

  long failedTotal() {
    long n = 0;
    for (Map.Entry<String, LongAdder> e : counts.entrySet()) {
      if (e.getKey().startsWith("failed/")) {
        n += e.getValue().sum();
      }
    }
    return n;
  }

  long partial(Signal s) {
    return get("partial/" + s.label());
  }

  /** The export queue size gauge. */
  long queued() {
    return (long) gauge(ExportPipeline.QUEUE_SIZE_GAUGE);
  }

  double gauge(String name) {
    return gauges.get(name).getAsDouble();
  }

  @Override
  public void received(Signal signal, Unit unit, long n) {}

  @Override
  public void refused(Signal signal, String reason, long n) {}

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
  public void exported(Signal signal, long n) {
    add("exported/" + signal.label(), n);
  }

  @Override
  public void exportFailed(Signal signal, String reason, long n) {
    add("failed/" + signal.label() + "/" + reason, n);
  }

  @Override
  public void exportPartialRejected(Signal signal, long n) {
    add("partial/" + signal.label(), n);
  }

  @Override
  public void gauge(String name, String description, DoubleSupplier value, String... tags) {
    gauges.put(name, value);
  }
}
