package dev.streamfold.export;

import static dev.streamfold.config.TestConfig.set;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.streamfold.config.TestConfig;
import dev.streamfold.telemetry.InMemoryMetrics;
import dev.streamfold.config.ExporterConfig;
import dev.streamfold.pipeline.Admission;
import dev.streamfold.pipeline.Signal;
import dev.streamfold.telemetry.Reasons;
import io.grpc.Status;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PersistentQueueTest {
  @TempDir Path dir;

  private record Corruption(Signal signal, long items) {}

  private final List<Corruption> corrupt = new CopyOnWriteArrayList<>();

  private PersistentQueue open(long max, long segment) throws IOException {
    return new PersistentQueue(dir, max, segment, (s, n, d) -> corrupt.add(new Corruption(s, n)));
  }

  private static byte[] payload(int size, int seed) {
    byte[] b = new byte[size];
    Arrays.fill(b, (byte) seed);
    return b;
  }

  private List<Path> segments() throws IOException {
    try (Stream<Path> s = Files.list(dir)) {
      return s.filter(p -> p.toString().endsWith(".seg")).sorted().toList();
    }
  }

  @Test
  void unacknowledgedRecordsReplayInOrderAfterReopen() throws Exception {
    List<PersistentQueue.Ref> refs = new ArrayList<>();
    try (PersistentQueue q = open(1 << 20, 1 << 20)) {
      q.recover();
      for (int i = 0; i < 5; i++) {
        refs.add(q.append(Signal.values()[i % 3], i + 1, payload(100 + i, i)));
      }
      q.ack(refs.get(1));
      q.ack(refs.get(3));
    }
    try (PersistentQueue q = open(1 << 20, 1 << 20)) {
      List<PersistentQueue.Ref> replay = q.recover();
      assertThat(replay).containsExactly(refs.get(0), refs.get(2), refs.get(4));
      assertThat(q.read(replay.get(1))).isEqualTo(payload(102, 2));
      assertThat(replay.get(2).signal()).isEqualTo(Signal.LOGS);
      assertThat(replay.get(2).items()).isEqualTo(5);
    }
    assertThat(corrupt).isEmpty();
  }

  @Test
  void garbageAfterTheLastRecordIsTruncatedAndCounted() throws Exception {
    try (PersistentQueue q = open(1 << 20, 1 << 20)) {
      q.recover();
      for (int i = 0; i < 3; i++) {
        q.append(Signal.LOGS, 2, payload(50, i));
      }
    }
    Path seg = segments().get(0);
    long good = Files.size(seg);
    Files.write(seg, new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30}, StandardOpenOption.APPEND);
    try (PersistentQueue q = open(1 << 20, 1 << 20)) {
      List<PersistentQueue.Ref> replay = q.recover();
      assertThat(replay).hasSize(3);
      assertThat(q.read(replay.get(2))).isEqualTo(payload(50, 2));
      assertThat(Files.size(seg)).isEqualTo(good);
    }
    assertThat(corrupt).containsExactly(new Corruption(null, 0));
  }

  @Test
  void aTornLastRecordIsDroppedAndCountedWithItsItems() throws Exception {
    try (PersistentQueue q = open(1 << 20, 1 << 20)) {
      q.recover();
      q.append(Signal.TRACES, 4, payload(80, 1));
      q.append(Signal.METRICS, 9, payload(80, 2));
    }
    Path seg = segments().get(0);
    try (FileChannel ch = FileChannel.open(seg, StandardOpenOption.WRITE)) {
      ch.truncate(ch.size() - 10);
    }
    try (PersistentQueue q = open(1 << 20, 1 << 20)) {
      assertThat(q.recover()).hasSize(1);
    }
    assertThat(corrupt).containsExactly(new Corruption(Signal.METRICS, 9));
  }

  @Test
  void aRecordWithABadChecksumIsSkippedAndTheRestReplays() throws Exception {
    List<PersistentQueue.Ref> refs = new ArrayList<>();
    try (PersistentQueue q = open(1 << 20, 1 << 20)) {
      q.recover();
      for (int i = 0; i < 3; i++) {
        refs.add(q.append(Signal.TRACES, 10 + i, payload(40, i)));
      }
    }
    Path seg = segments().get(0);
    try (FileChannel ch = FileChannel.open(seg, StandardOpenOption.WRITE)) {
      ch.write(ByteBuffer.wrap(new byte[] {(byte) 0x77}), refs.get(1).offset() + PersistentQueue.HEADER + 5);
    }
    try (PersistentQueue q = open(1 << 20, 1 << 20)) {
      assertThat(q.recover()).containsExactly(refs.get(0), refs.get(2));
    }
    assertThat(corrupt).containsExactly(new Corruption(Signal.TRACES, 11));
    // counted once: the skipped record is acknowledged, so a second restart does not count it again
    corrupt.clear();
    try (PersistentQueue q = open(1 << 20, 1 << 20)) {
      assertThat(q.recover()).hasSize(2);
    }
    assertThat(corrupt).isEmpty();
  }

  @Test
  void sizeIsBoundedAndSpaceIsReclaimedWhenSegmentsAreAcknowledged() throws Exception {
    long max = 64 * 1024;
    try (PersistentQueue q = open(max, 8 * 1024)) {
      q.recover();
      List<PersistentQueue.Ref> refs = new ArrayList<>();
      PersistentQueue.Ref r;
      while ((r = q.append(Signal.TRACES, 1, payload(1000, 1))) != null) {
        refs.add(r);
        assertThat(q.sizeBytes()).isLessThanOrEqualTo(max);
      }
      assertThat(refs.size()).isBetween(55, 64);
      assertThat(segments().size()).isGreaterThan(5);
      Collections.reverse(refs); // acknowledgements in any order
      for (PersistentQueue.Ref ref : refs) {
        q.ack(ref);
      }
      assertThat(segments()).hasSize(1); // only the write segment is left
      assertThat(q.append(Signal.TRACES, 1, payload(1000, 1))).isNotNull();
    }
  }

  @Test
  void aSecondInstanceCannotOpenTheSameDirectory() throws Exception {
    try (PersistentQueue q = open(1 << 20, 1 << 20)) {
      q.recover();
      assertThatThrownBy(() -> open(1 << 20, 1 << 20)).isInstanceOf(IOException.class).hasMessageContaining("in use");
    }
  }

  private ExporterConfig persistentConfig(String endpoint) {
    ExporterConfig cfg = Configs.of("otlp_grpc", endpoint);
    cfg = TestConfig.with(cfg, "queue.persistent.enabled=true", set("queue.persistent.directory", dir.resolve("queue").toString()), "queue.persistent.max_size_mib=1");
    return cfg;
  }

  @Test
  void queuedBatchesSurviveARestartAndAllArrive() throws Exception {
    InMemoryMetrics m1 = new InMemoryMetrics();
    List<String> sent = new ArrayList<>();
    try (GrpcTestServer down = new GrpcTestServer()) {
      down.defaultAnswer = GrpcTestServer.Answer.error(Status.Code.UNAVAILABLE);
      ExportPipeline first = ExportPipeline.create(persistentConfig(down.endpoint()), m1);
      first.start();
      for (int i = 0; i < 10; i++) {
        ResourceSpans rs = TestData.resourceSpans(5);
        sent.addAll(TestData.spanNameList(List.of(rs)));
        assertThat(first.offerSpans(List.of(rs), 5)).isTrue();
      }
      first.offerLogs(List.of(TestData.resourceLogs(4)), 4);
      await().until(() -> down.traces.size() >= 3);
      first.shutdown(Duration.ofMillis(300));
    }
    assertThat(m1.get("exported.traces")).isZero();
    assertThat(m1.sum("export_failed.")).isZero(); // nothing dropped: it stayed on disk

    InMemoryMetrics m2 = new InMemoryMetrics();
    try (GrpcTestServer up = new GrpcTestServer()) {
      ExportPipeline second = ExportPipeline.create(persistentConfig(up.endpoint()), m2);
      assertThat(TestData.queued(m2)).isEqualTo(54);
      second.start();
      await().until(() -> m2.get("exported.traces") == 50 && m2.get("exported.logs") == 4);
      assertThat(TestData.spanNames(up.allResourceSpans())).containsExactlyInAnyOrderElementsOf(sent);
      await().until(() -> TestData.gauge(m2, ExportPipeline.PERSISTENT_BYTES_GAUGE) == 0 && TestData.queued(m2) == 0);
      second.shutdown(Duration.ofSeconds(5));
    }
    assertThat(m2.sum("export_failed.")).isZero();

    // a third start finds nothing to replay
    InMemoryMetrics m3 = new InMemoryMetrics();
    ExportPipeline third = ExportPipeline.create(persistentConfig("127.0.0.1:1"), m3);
    assertThat(TestData.queued(m3)).isZero();
    third.shutdown(Duration.ofSeconds(1));
  }

  @Test
  void corruptDataOnDiskIsCountedAndTheRestIsDelivered() throws Exception {
    Path qdir = dir.resolve("queue");
    Files.createDirectories(qdir);
    try (PersistentQueue q = new PersistentQueue(qdir, 1 << 20, (s, n, d) -> {})) {
      q.recover();
      q.append(Signal.TRACES, 2, io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest.newBuilder().addResourceSpans(TestData.resourceSpans(2)).build().toByteArray());
      q.append(Signal.TRACES, 3, io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest.newBuilder().addResourceSpans(TestData.resourceSpans(3)).build().toByteArray());
    }
    Path seg;
    try (Stream<Path> s = Files.list(qdir)) {
      seg = s.filter(p -> p.toString().endsWith(".seg")).findFirst().orElseThrow();
    }
    try (FileChannel ch = FileChannel.open(seg, StandardOpenOption.WRITE)) {
      ch.truncate(ch.size() - 3);
    }
    InMemoryMetrics m = new InMemoryMetrics();
    try (GrpcTestServer up = new GrpcTestServer()) {
      ExportPipeline p = ExportPipeline.create(persistentConfig(up.endpoint()), m);
      p.start();
      await().until(() -> m.get("exported.traces") == 2);
      p.shutdown(Duration.ofSeconds(5));
    }
    assertThat(m.get("export_failed.traces." + PersistentQueue.CORRUPT)).isEqualTo(3);
  }

  @Test
  void overTheDiskBoundOffersAreDroppedAsQueueFull() throws Exception {
    InMemoryMetrics m = new InMemoryMetrics();
    try (GrpcTestServer server = new GrpcTestServer()) {
      server.hold();
      ExporterConfig cfg = persistentConfig(server.endpoint());
      cfg = TestConfig.with(cfg, "queue.capacity_items=1000000", "batch.max_size=1");
      ExportPipeline p = ExportPipeline.create(cfg, m);
      p.start();
      String big = "x".repeat(50_000);
      int accepted = 0;
      boolean refused = false;
      for (int i = 0; i < 40 && !refused; i++) {
        ResourceSpans rs = TestData.resourceSpans(1).toBuilder().setSchemaUrl(big).build();
        if (p.offerSpans(List.of(rs), 1)) {
          accepted++;
        } else {
          refused = true;
        }
      }
      assertThat(refused).isTrue();
      assertThat(accepted).isBetween(15, 21);
      assertThat(m.get("export_failed.traces." + Reasons.QUEUE_FULL)).isEqualTo(1);
      assertThat(TestData.gauge(m, ExportPipeline.PERSISTENT_BYTES_GAUGE)).isLessThanOrEqualTo(1 << 20);
      assertThat(p.check(0, 1)).isEqualTo(Admission.Verdict.RETRY_LATER);
      server.release();
      final int expected = accepted;
      await().until(() -> m.get("exported.traces") == expected);
      await().until(() -> p.check(0, 1) == Admission.Verdict.ADMIT);
      p.shutdown(Duration.ofSeconds(5));
    }
  }
}
