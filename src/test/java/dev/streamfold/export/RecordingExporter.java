package dev.streamfold.export;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;

/** Delegates and records every outcome. */
final class RecordingExporter implements Exporter {
  final Exporter delegate;
  final List<ExportOutcome> outcomes = new CopyOnWriteArrayList<>();

  RecordingExporter(Exporter delegate) {
    this.delegate = delegate;
  }

  long count(ExportOutcome.Kind kind) {
    return outcomes.stream().filter(o -> o.kind() == kind).count();
  }

  @Override
  public CompletableFuture<ExportOutcome> export(ExportRequest request) {
    return delegate.export(request).thenApply(o -> {
      outcomes.add(o);
      return o;
    });
  }

  @Override
  public String describe() {
    return "recording " + delegate.describe();
  }

  @Override
  public void close(Duration timeout) {
    delegate.close(timeout);
  }
}
