package dev.streamfold.reliability;

import dev.streamfold.config.TestConfig;
import dev.streamfold.testing.TestServices;
import static dev.streamfold.config.TestConfig.set;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.streamfold.app.Service;
import dev.streamfold.config.StreamfoldConfig;
import dev.streamfold.testing.FakeCollector;
import dev.streamfold.time.ManualClock;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.trace.v1.Span;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Persistent export queue (SPEC 5): what left the window and was queued survives a restart of
 * streamfold. Delivery is at least once: exactly once when the downstream never saw the data
 * (first test); a batch in flight when the service stops is sent again by the next instance
 * (second test).
 */
class PersistentQueueRestartTest {
  @TempDir Path dir;
  FakeCollector downstream;
  Service first;
  Service second;

  @AfterEach
  void stop() throws Exception {
    if (first != null) {
      first.stop();
    }
    if (second != null) {
      second.stop();
    }
    if (downstream != null) {
      downstream.close();
    }
  }

  StreamfoldConfig config() {
    StreamfoldConfig cfg = TestServices.config(downstream.endpoint());
    cfg = TestConfig.with(cfg, "exporter.queue.persistent.enabled=true", set("exporter.queue.persistent.directory", dir.toString()), "service.shutdown.timeout=1s");
    return cfg;
  }

  /** Sends the workload, lets the streams close, and waits until all of it is in the export queue. */
  static void sendAndQueue(Service service, ManualClock clock, Workload w) throws Exception {
    try (Harness.GrpcClient client = new Harness.GrpcClient(service.grpcPort())) {
      for (ExportTraceServiceRequest r : w.requests()) {
        client.traces(r);
      }
    }
    assertThat(service.window().sync(Duration.ofSeconds(10))).isTrue();
    clock.advance(Duration.ofSeconds(3));
    assertThat(service.window().sync(Duration.ofSeconds(10))).isTrue();
  }

  long segmentBytes() throws IOException {
    try (Stream<Path> files = Files.list(dir)) {
      return files.filter(p -> p.getFileName().toString().endsWith(".seg")).mapToLong(p -> p.toFile().length()).sum();
    }
  }

  @Test
  void queuedDataSurvivesARestartAndArrivesExactlyOnce() throws Exception {
    downstream = new FakeCollector();
    downstream.stop(); // down for the whole life of the first instance
    ManualClock clock1 = new ManualClock();
    first = new Service(config(), clock1);
    first.start();
    Workload w = new Workload(2, 30, 5, 120, 20);
    sendAndQueue(first, clock1, w);
    await().atMost(Duration.ofSeconds(10)).until(() -> Harness.exportQueued(first) == w.expectedSpans());
    await().atMost(Duration.ofSeconds(10)).until(() -> Harness.scrape(first).sum("streamfold_export_queue_persistent_bytes") > 0);
    assertThat(Harness.scrape(first).sum("streamfold_export_failed_total")).isZero();

    first.stop(); // drains what it can (nothing: the downstream is down); the rest stays on disk
    first = null;
    long onDisk = segmentBytes();
    assertThat(onDisk).isPositive();
    assertThat(downstream.spans()).isEmpty();

    downstream.restart();
    ManualClock clock2 = new ManualClock();
    second = new Service(config(), clock2);
    second.start(); // replays the queue
    await().atMost(Duration.ofSeconds(20)).until(() -> w.countIn(downstream.spans()) == w.expectedSpans());
    await().atMost(Duration.ofSeconds(10)).until(() -> Harness.exportQueued(second) == 0);
    int found = w.assertExactlyOnce(downstream.spans());
    assertThat(downstream.spans()).hasSize(w.expectedSpans());
    Harness.Scrape s = Harness.scrape(second);
    assertThat(s.count("streamfold_exported_total", "signal", "traces")).isEqualTo(w.expectedSpans());
    assertThat(s.sum("streamfold_export_failed_total")).isZero();
    // every record acknowledged: the replayed segments are deleted
    await().atMost(Duration.ofSeconds(10)).until(() -> segmentBytes() == 0);
    Harness.summary("persistent-queue-restart", String.format(
        "sent=%d spans (%d streams, %d plain), queued at stop=%d items, on disk=%d bytes, replayed and received=%d (exactly once), "
            + "exported_total=%d, export_failed=0, segments left=0 bytes",
        w.sentSpans(), w.streams, w.plain, w.expectedSpans(), onDisk, found,
        s.count("streamfold_exported_total", "signal", "traces")));
  }

  @Test
  void aBatchInFlightAtStopIsSentAgainByTheNextInstance_atLeastOnce() throws Exception {
    downstream = new FakeCollector();
    downstream.hold(); // the downstream takes the batches but never answers
    ManualClock clock1 = new ManualClock();
    StreamfoldConfig cfg = config();
    first = new Service(cfg, clock1);
    first.start();
    Workload w = new Workload(4, 5, 3, 40, 20);
    sendAndQueue(first, clock1, w);
    await().atMost(Duration.ofSeconds(10)).until(() -> downstream.heldCount() > 0);
    first.stop(); // gives up on the unanswered batches after shutdown.timeout: they stay on disk
    first = null;
    long seenBefore = w.countIn(downstream.seenSpans());
    assertThat(seenBefore).isPositive();
    assertThat(downstream.spans()).isEmpty();

    // the old calls were cancelled: once the server has seen that, nothing of them counts as delivered
    await().atMost(Duration.ofSeconds(10)).until(downstream::allHeldCancelled);
    downstream.release();
    ManualClock clock2 = new ManualClock();
    second = new Service(cfg, clock2);
    second.start();
    await().atMost(Duration.ofSeconds(20)).until(() -> w.countIn(downstream.spans()) == w.expectedSpans());
    int found = w.assertExactlyOnce(downstream.spans());
    List<Span> seen = downstream.seenSpans();
    long seenTwice = seen.size() - seen.stream().map(Span::getSpanId).distinct().count();
    // the downstream saw the in-flight batch twice: once from each instance
    assertThat(seenTwice).isEqualTo(seenBefore);
    Harness.summary("persistent-queue-in-flight", String.format(
        "expected=%d spans, seen by the downstream before the stop (unanswered)=%d, accepted after the restart=%d, "
            + "seen twice=%d (at-least-once)",
        w.expectedSpans(), seenBefore, found, seenTwice));
  }

  @Test
  void aTornOrCorruptSegmentLosesOnlyTheDamagedRecordsAndCountsThem() throws Exception {
    downstream = new FakeCollector();
    downstream.stop();
    StreamfoldConfig cfg = config();
    cfg = TestConfig.with(cfg, "exporter.batch.max_size=10");
    ManualClock clock1 = new ManualClock();
    first = new Service(cfg, clock1);
    first.start();
    Workload w = new Workload(8, 0, 0, 100, 10);
    sendAndQueue(first, clock1, w);
    await().atMost(Duration.ofSeconds(10)).until(() -> Harness.exportQueued(first) == w.expectedSpans());
    first.stop();
    first = null;

    // damage the segment as a crash or a bad disk might: flip a payload byte of the first
    // record (checksum mismatch) and tear the last record's payload (a crash mid-write)
    Path seg;
    try (Stream<Path> files = Files.list(dir)) {
      seg = files.filter(p -> p.getFileName().toString().endsWith(".seg") && p.toFile().length() > 0).findFirst().orElseThrow();
    }
    byte[] bytes = Files.readAllBytes(seg);
    int header = 4 + 1 + 8 + 4 + 4 + 4;
    bytes[header + 5] ^= 0x5a;
    Files.write(seg, java.util.Arrays.copyOf(bytes, bytes.length - 3));

    downstream.restart();
    second = new Service(cfg, new ManualClock());
    second.start();
    await().atMost(Duration.ofSeconds(20)).until(() -> Harness.exportQueued(second) == 0
        && Harness.scrape(second).count("streamfold_export_failed_total", "reason", "persistent_queue_corrupt")
            + w.countIn(downstream.spans()) == w.expectedSpans());
    long corrupt = Harness.scrape(second).count("streamfold_export_failed_total", "reason", "persistent_queue_corrupt");
    long delivered = w.countIn(downstream.spans());
    assertThat(corrupt).isPositive();
    assertThat(delivered).isPositive();
    // nothing delivered twice, and every span either delivered or counted as corrupt
    assertThat(downstream.spans()).hasSize((int) delivered);
    assertThat(delivered + corrupt).isEqualTo(w.expectedSpans());
    Harness.summary("persistent-queue-corruption", String.format(
        "queued at stop=%d spans in records of <= 10, one payload byte flipped + last record torn: replayed and delivered=%d "
            + "(once each), export_failed_total{reason=persistent_queue_corrupt}=%d, start-up not affected",
        w.expectedSpans(), delivered, corrupt));
  }
}
