package dev.streamfold.window;

import static dev.streamfold.testing.Otlp.*;
import static org.assertj.core.api.Assertions.assertThat;

import dev.streamfold.config.ExporterConfig;
import dev.streamfold.config.TestConfig;
import dev.streamfold.config.WindowConfig;
import dev.streamfold.derive.StreamListener;
import dev.streamfold.export.ExportPipeline;
import dev.streamfold.pipeline.IngestResult;
import dev.streamfold.telemetry.InMemoryMetrics;
import dev.streamfold.telemetry.Reasons;
import dev.streamfold.time.ManualClock;
import io.opentelemetry.proto.trace.v1.Span;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A window that is behind its input is refused as such: what it admitted and has not processed
 * counts against {@code window.max_pending_items} and against the export queue's admission limit,
 * and a refusal for either names that bound and counts as {@code window_backlog}, not as a full
 * export queue (the 1M-open-stream run was refused "export queue is full" with nothing queued).
 */
class AdmissionRefusalTest {
  @TempDir Path dir;
  final InMemoryMetrics metrics = new InMemoryMetrics();
  final CountDownLatch inside = new CountDownLatch(1);
  final CountDownLatch release = new CountDownLatch(1);
  StreamWindow window;
  ExportPipeline export;

  /** The shard thread stops at the first item it passes, so everything admitted stays pending. */
  final WindowObserver stall = new WindowObserver() {
    @Override
    public void passed(Object item, String reason) {
      inside.countDown();
      try {
        release.await(30, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  };

  StreamWindow window(long maxPending) throws Exception {
    ExporterConfig e = TestConfig.exporter("type=file", TestConfig.set("file.path", dir.resolve("out.jsonl").toString()),
        "queue.capacity_items=100", "queue.admission_reserve=0.25"); // admission limit 75
    export = ExportPipeline.create(e, metrics);
    WindowConfig cfg = TestConfig.window("shards=1", "max_pending_items=" + maxPending);
    window = new StreamWindow(cfg, export, export, metrics, StreamListener.NOOP, new ManualClock(), stall);
    window.start();
    return window;
  }

  static io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest plain(int n, int base) {
    Span[] spans = new Span[n];
    for (int i = 0; i < n; i++) {
      spans[i] = span(trace(base + i), id(base + i), id(1), "db.query", 0, 10).build();
    }
    return traces(spans);
  }

  @AfterEach
  void stop() {
    release.countDown();
    if (window != null) {
      window.shutdown(Duration.ofSeconds(5));
    }
    if (export != null) {
      export.shutdown(Duration.ofSeconds(1));
    }
  }

  @Test
  void aBacklogThatFillsTheExportQueuesAdmissionRoomNamesThatBound() throws Exception {
    window(1_000_000);
    assertThat(window.traces(plain(50, 1000)).accepted()).isTrue();
    assertThat(inside.await(10, TimeUnit.SECONDS)).isTrue();

    IngestResult r = window.traces(plain(30, 2000));
    assertThat(r.status()).isEqualTo(IngestResult.Status.REFUSED);
    assertThat(r.refusalReason()).isEqualTo(Reasons.WINDOW_BACKLOG);
    assertThat(r.message()).startsWith("window backlog: 50 items admitted and not yet processed by the window, 0 queued for export")
        .contains("exceed the export queue's admission limit of 75 items (exporter.queue.capacity_items 100 less admission_reserve)")
        .doesNotContain("export queue is full");
    // a request that fits beside the backlog is still admitted
    assertThat(window.traces(plain(25, 3000)).accepted()).isTrue();
  }

  @Test
  void aBacklogOverMaxPendingItemsNamesThatKey() throws Exception {
    window(60);
    assertThat(window.traces(plain(50, 1000)).accepted()).isTrue();
    assertThat(inside.await(10, TimeUnit.SECONDS)).isTrue();

    IngestResult r = window.traces(plain(20, 2000));
    assertThat(r.status()).isEqualTo(IngestResult.Status.REFUSED);
    assertThat(r.refusalReason()).isEqualTo(Reasons.WINDOW_BACKLOG);
    assertThat(r.message()).contains("50 items admitted and not yet processed").contains("window.max_pending_items 60");
  }
}
