package dev.streamfold.limiter;

import static org.assertj.core.api.Assertions.assertThat;

import dev.streamfold.config.ServiceConfig;
import dev.streamfold.config.TestConfig;
import dev.streamfold.pipeline.IngestResult;
import dev.streamfold.pipeline.Ingress;
import dev.streamfold.telemetry.Reasons;
import io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class MemoryLimiterTest {
  /** A heap of 1000 bytes capacity; collect() frees down to {@code afterGc}. */
  static final class FakeHeap implements HeapGauge {
    long used;
    long afterGc = -1;
    int collections;

    @Override
    public long used() {
      return used;
    }

    @Override
    public long capacity() {
      return 1000;
    }

    @Override
    public void collect() {
      collections++;
      if (afterGc >= 0) {
        used = afterGc;
      }
    }
  }

  final FakeHeap heap = new FakeHeap();
  final List<Double> shed = new ArrayList<>();
  long now = 1_000_000_000L;
  final ServiceConfig.MemoryLimiter cfg = TestConfig.service().memoryLimiter(); // 80 / 90 %, 100 ms
  final MemoryLimiter limiter = new MemoryLimiter(cfg, heap, shed::add, () -> now);

  void advance(Duration d) {
    now += d.toNanos();
  }

  @Test
  void underTheSoftLimitEverythingIsAdmittedWithoutCollecting() {
    heap.used = 790;
    assertThat(limiter.admit()).isTrue();
    assertThat(heap.collections).isZero();
    assertThat(shed).isEmpty();
  }

  @Test
  void overTheSoftLimitDataIsRefusedUntilRetainedHeapFalls() {
    heap.used = 850; // garbage does not go away: the forced collection changes nothing
    assertThat(limiter.admit()).isFalse();
    assertThat(heap.collections).isEqualTo(1);
    assertThat(shed).isEmpty(); // soft only: nothing shed
    heap.used = 700;
    assertThat(limiter.admit()).isFalse(); // checked at most once per check_interval
    advance(Duration.ofMillis(100));
    assertThat(limiter.admit()).isTrue();
  }

  @Test
  void promotedGarbageOverTheSoftLimitIsCollectedInsteadOfRefusing() {
    heap.used = 850;
    heap.afterGc = 300;
    assertThat(limiter.admit()).isTrue();
    assertThat(limiter.forcedGcs()).isEqualTo(1);
  }

  @Test
  void softLimitCollectionsAreRateLimited() {
    heap.used = 850;
    limiter.admit();
    for (int i = 0; i < 10; i++) {
      advance(Duration.ofMillis(100)); // 1 s in all: under the 5 s gap
      assertThat(limiter.admit()).isFalse();
    }
    assertThat(heap.collections).isEqualTo(1);
    advance(Duration.ofSeconds(5));
    limiter.admit();
    assertThat(heap.collections).isEqualTo(2);
  }

  @Test
  void overTheHardLimitAfterACollectionStateIsShedAndCounted() {
    heap.used = 950;
    assertThat(limiter.admit()).isFalse();
    assertThat(heap.collections).isEqualTo(1);
    assertThat(shed).containsExactly(MemoryLimiter.SHED_FRACTION);
    assertThat(limiter.sheds()).isEqualTo(1);
    advance(Duration.ofMillis(100)); // hard-limit collections at most once a second
    limiter.admit();
    assertThat(shed).hasSize(1);
    advance(Duration.ofSeconds(1));
    limiter.admit();
    assertThat(shed).hasSize(2);
    heap.afterGc = 100; // shedding worked
    advance(Duration.ofSeconds(1));
    assertThat(limiter.admit()).isTrue();
    assertThat(shed).hasSize(2);
  }

  @Test
  void overTheHardLimitOnlyBeforeACollectionNothingIsShed() {
    heap.used = 990;
    heap.afterGc = 850;
    assertThat(limiter.admit()).isFalse(); // still over soft
    assertThat(shed).isEmpty();
  }

  @Test
  void theGuardRefusesWithTheMemoryLimitReasonAndDoesNotCallThePipeline() {
    AtomicInteger calls = new AtomicInteger();
    Ingress pipeline = new Ingress() {
      @Override
      public IngestResult traces(ExportTraceServiceRequest r) {
        calls.incrementAndGet();
        return IngestResult.OK;
      }

      @Override
      public IngestResult logs(ExportLogsServiceRequest r) {
        calls.incrementAndGet();
        return IngestResult.OK;
      }

      @Override
      public IngestResult metrics(ExportMetricsServiceRequest r) {
        calls.incrementAndGet();
        return IngestResult.OK;
      }
    };
    LimitedIngress guard = new LimitedIngress(limiter, pipeline);
    heap.used = 100;
    assertThat(guard.traces(ExportTraceServiceRequest.getDefaultInstance()).accepted()).isTrue();
    heap.used = 850;
    advance(Duration.ofMillis(100));
    IngestResult r = guard.logs(ExportLogsServiceRequest.getDefaultInstance());
    assertThat(r.status()).isEqualTo(IngestResult.Status.REFUSED);
    assertThat(r.refusalReason()).isEqualTo(Reasons.MEMORY_LIMIT);
    assertThat(r.retryAfter()).isPositive();
    assertThat(guard.metrics(ExportMetricsServiceRequest.getDefaultInstance()).accepted()).isFalse();
    assertThat(calls.get()).isEqualTo(1);
  }
}
