package dev.streamfold.export;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.streamfold.config.TestConfig;
import dev.streamfold.telemetry.InMemoryMetrics;
import dev.streamfold.config.ExporterConfig;
import dev.streamfold.pipeline.Admission;
import dev.streamfold.pipeline.Signal;
import dev.streamfold.telemetry.Reasons;
import dev.streamfold.time.ManualClock;
import io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest;
import io.opentelemetry.proto.logs.v1.ResourceLogs;
import io.opentelemetry.proto.metrics.v1.ResourceMetrics;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** Queue, batching and lifecycle logic with an in-memory exporter. */
class ExportPipelineTest {
  private final InMemoryMetrics metrics = new InMemoryMetrics();

  /** Records requests; answers with the scripted function, or holds the future when {@code pending} is set. */
  private static final class FakeExporter implements Exporter {
    final List<ExportRequest> requests = new CopyOnWriteArrayList<>();
    final List<CompletableFuture<ExportOutcome>> pending = new CopyOnWriteArrayList<>();
    final AtomicInteger inFlight = new AtomicInteger();
    final AtomicInteger maxInFlight = new AtomicInteger();
    volatile boolean hold;
    volatile RuntimeException fail;
    volatile boolean closed;

    @Override
    public CompletableFuture<ExportOutcome> export(ExportRequest request) {
      if (fail != null) {
        throw fail;
      }
      requests.add(request);
      if (!hold) {
        return CompletableFuture.completedFuture(ExportOutcome.success());
      }
      maxInFlight.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
      CompletableFuture<ExportOutcome> f = new CompletableFuture<>();
      f.whenComplete((o, e) -> inFlight.decrementAndGet());
      pending.add(f);
      return f;
    }

    void releaseAll() {
      hold = false;
      pending.forEach(f -> f.complete(ExportOutcome.success()));
    }

    @Override
    public String describe() {
      return "fake";
    }

    @Override
    public void close(Duration timeout) {
      closed = true;
    }
  }

  private static ExporterConfig cfg() {
    ExporterConfig c = Configs.of("file", "");
    c = TestConfig.with(c, "batch.timeout=10ms");
    return c;
  }

  @Test
  void aWindowBacklogIsToldApartFromAFullQueue() throws Exception {
    ExporterConfig c = cfg();
    c = TestConfig.with(c, "queue.capacity_items=100", "queue.admission_reserve=0.25"); // admission limit 75
    ExportPipeline p = ExportPipeline.builder(c, metrics).exporter(new FakeExporter()).build(); // not started: nothing drains
    assertThat(p.check(60, 10)).isEqualTo(Admission.Verdict.ADMIT);
    assertThat(p.check(70, 10)).isEqualTo(Admission.Verdict.BACKLOG);
    assertThat(p.retryReason(Admission.Verdict.BACKLOG, 70, 10))
        .isEqualTo("window backlog: 70 items admitted and not yet processed by the window, 0 queued for export and this "
            + "request's 10 exceed the export queue's admission limit of 75 items (exporter.queue.capacity_items 100 less "
            + "admission_reserve): the window is behind its input");
    assertThat(p.offerSpans(List.of(TestData.resourceSpans(70)), 70)).isTrue();
    assertThat(p.check(0, 5)).isEqualTo(Admission.Verdict.ADMIT);
    assertThat(p.check(1, 5)).isEqualTo(Admission.Verdict.BACKLOG);
    assertThat(p.check(1, 6)).as("the queue alone has no room: full, whatever the backlog").isEqualTo(Admission.Verdict.RETRY_LATER);
    assertThat(p.retryReason(Admission.Verdict.RETRY_LATER, 1, 6)).startsWith("export queue is full: 70 of 100 items queued "
        + "(exporter.queue.capacity_items; admission stops at 75");
    p.shutdown(Duration.ofMillis(100));
  }

  @Test
  void capacityAndAdmissionWatermark() throws Exception {
    ExporterConfig c = cfg();
    c = TestConfig.with(c, "queue.capacity_items=100", "queue.admission_reserve=0.25");
    FakeExporter fake = new FakeExporter();
    ExportPipeline p = ExportPipeline.builder(c, metrics).exporter(fake).build(); // not started: nothing drains
    assertThat(TestData.gauge(metrics, ExportPipeline.QUEUE_CAPACITY_GAUGE)).isEqualTo(100);
    assertThat(p.check(0, 75)).isEqualTo(Admission.Verdict.ADMIT);
    assertThat(p.check(0, 76)).isEqualTo(Admission.Verdict.NEVER);
    assertThat(p.offerSpans(List.of(TestData.resourceSpans(70)), 70)).isTrue();
    assertThat(p.check(0, 5)).isEqualTo(Admission.Verdict.ADMIT);
    assertThat(p.check(0, 6)).isEqualTo(Admission.Verdict.RETRY_LATER);
    assertThat(p.offerLogs(List.of(TestData.resourceLogs(31)), 31)).isFalse();
    assertThat(metrics.get("export_failed.logs." + Reasons.QUEUE_FULL)).isEqualTo(31);
    assertThat(p.offerLogs(List.of(TestData.resourceLogs(30)), 30)).isTrue();
    assertThat(TestData.queued(metrics)).isEqualTo(100);
    assertThat(p.offerMetrics(List.of(TestData.resourceMetrics(0)), 1)).isFalse();
    assertThat(p.offerSpans(List.of(), 0)).isTrue();

    p.shutdown(Duration.ofMillis(100)); // never started: everything queued is lost and counted
    assertThat(metrics.get("export_failed.traces." + Reasons.SHUTDOWN)).isEqualTo(70);
    assertThat(metrics.get("export_failed.logs." + Reasons.SHUTDOWN)).isEqualTo(30);
    assertThat(TestData.queued(metrics)).isZero();
    assertThat(fake.requests).isEmpty();
    assertThat(fake.closed).isTrue();
  }

  @Test
  void consumersBoundTheParallelRequests() throws Exception {
    ExporterConfig c = cfg();
    c = TestConfig.with(c, "queue.consumers=3", "batch.max_size=1");
    FakeExporter fake = new FakeExporter();
    fake.hold = true;
    ExportPipeline p = ExportPipeline.builder(c, metrics).exporter(fake).build();
    p.start();
    for (int i = 0; i < 10; i++) {
      p.offerSpans(List.of(TestData.resourceSpans(1)), 1);
    }
    await().until(() -> fake.inFlight.get() == 3);
    assertThat(TestData.queued(metrics)).isEqualTo(10);
    fake.releaseAll();
    await().until(() -> metrics.get("exported.traces") == 10);
    assertThat(fake.maxInFlight.get()).isEqualTo(3);
    p.shutdown(Duration.ofSeconds(5));
  }

  @Test
  void shutdownDrainsWhatIsQueuedAndInTheBatchers() throws Exception {
    ExporterConfig c = cfg();
    c = TestConfig.with(c, "batch.timeout=10m", "batch.max_size=7");
    FakeExporter fake = new FakeExporter();
    ExportPipeline p = ExportPipeline.builder(c, metrics).exporter(fake).build();
    p.start();
    for (int i = 0; i < 30; i++) {
      p.offerSpans(List.of(TestData.resourceSpans(1)), 1);
    }
    p.offerLogs(List.of(TestData.resourceLogs(2)), 2);
    p.shutdown(Duration.ofSeconds(10));
    assertThat(metrics.get("exported.traces")).isEqualTo(30);
    assertThat(metrics.get("exported.logs")).isEqualTo(2);
    assertThat(fake.requests.stream().filter(r -> r.signal() == Signal.TRACES).mapToLong(ExportRequest::items).sorted().boxed().toList())
        .containsExactly(2L, 7L, 7L, 7L, 7L);
    assertThat(metrics.sum("export_failed.")).isZero();
    assertThat(fake.closed).isTrue();
  }

  @Test
  void anExporterThatThrowsIsCountedAndDoesNotStopTheConsumers() throws Exception {
    FakeExporter fake = new FakeExporter();
    fake.fail = new IllegalStateException("bug");
    ExportPipeline p = ExportPipeline.builder(cfg(), metrics).exporter(fake).build();
    p.start();
    p.offerSpans(List.of(TestData.resourceSpans(2)), 2);
    await().until(() -> metrics.get("export_failed.traces." + Reasons.NON_RETRYABLE) == 2);
    fake.fail = null;
    p.offerSpans(List.of(TestData.resourceSpans(3)), 3);
    await().until(() -> metrics.get("exported.traces") == 3);
    p.shutdown(Duration.ofSeconds(5));
  }

  @Test
  void aWrongItemCountFromTheCallerIsCorrectedWhenSplitting() throws Exception {
    ExporterConfig c = cfg();
    c = TestConfig.with(c, "batch.max_size=10");
    FakeExporter fake = new FakeExporter();
    ExportPipeline p = ExportPipeline.builder(c, metrics).exporter(fake).build();
    assertThat(p.offerSpans(List.of(TestData.resourceSpans(25)), 30)).isTrue();
    assertThat(TestData.queued(metrics)).isEqualTo(25);
    p.start();
    await().until(() -> metrics.get("exported.traces") == 25);
    assertThat(TestData.queued(metrics)).isZero();
    p.shutdown(Duration.ofSeconds(5));
  }

  @Test
  void splitLogsAndMetricsKeepEveryItem() {
    ResourceLogs rl = TestData.resourceLogs(23);
    List<ResourceLogs> parts = SignalOps.LOGS.split(rl, 10);
    assertThat(parts).extracting(SignalOps.LOGS::count).containsExactly(10L, 10L, 3L);
    assertThat(parts).allSatisfy(r -> assertThat(r.getResource()).isEqualTo(rl.getResource()));
    ExportLogsServiceRequest joined = (ExportLogsServiceRequest) SignalOps.LOGS.assemble(parts);
    assertThat(joined.getResourceLogsList().stream().flatMap(r -> r.getScopeLogs(0).getLogRecordsList().stream()).toList())
        .isEqualTo(rl.getScopeLogs(0).getLogRecordsList());

    ResourceMetrics rm = TestData.resourceMetrics(12); // gauge with 12 points + histogram with 1
    assertThat(SignalOps.METRICS.count(rm)).isEqualTo(13);
    List<ResourceMetrics> mparts = SignalOps.METRICS.split(rm, 5);
    // metric granularity: the 12-point gauge stays whole, the histogram goes to the next piece
    assertThat(mparts).extracting(SignalOps.METRICS::count).containsExactly(12L, 1L);
    ExportMetricsServiceRequest mj = (ExportMetricsServiceRequest) SignalOps.METRICS.assemble(mparts);
    assertThat(SignalOps.items(mj)).isEqualTo(13);

    ResourceSpans rs = TestData.resourceSpans(4);
    assertThat(SignalOps.TRACES.split(rs, 4)).containsExactly(rs);
  }

  @Test
  void halvingARequestKeepsEveryItemAndStopsAtOneItemOrOneMetric() {
    ResourceSpans a = TestData.resourceSpans(3);
    ResourceSpans b = TestData.resourceSpans(4);
    ExportRequest r = ExportRequest.of(Signal.TRACES, SignalOps.TRACES.assemble(List.of(a, b)), 7);
    List<ExportRequest> halves = SignalOps.halve(r);
    assertThat(halves).extracting(ExportRequest::items).containsExactly(3L, 4L);
    List<ExportRequest> quarters = SignalOps.halve(halves.get(1)); // one entry, split inside
    assertThat(quarters).extracting(ExportRequest::items).containsExactly(2L, 2L);
    List<String> names = new ArrayList<>();
    for (ExportRequest q : List.of(halves.get(0), quarters.get(0), quarters.get(1))) {
      names.addAll(TestData.spanNameList(((io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest) q.message()).getResourceSpansList()));
    }
    assertThat(names).containsExactlyElementsOf(TestData.spanNameList(List.of(a, b)));
    assertThat(SignalOps.halve(ExportRequest.of(Signal.TRACES, SignalOps.TRACES.assemble(List.of(TestData.resourceSpans(1))), 1))).isNull();
    ResourceMetrics oneGauge = TestData.resourceMetrics(12).toBuilder().setScopeMetrics(0,
        TestData.resourceMetrics(12).getScopeMetrics(0).toBuilder().removeMetrics(1)).build(); // one metric, 12 points
    assertThat(SignalOps.METRICS.count(oneGauge)).isEqualTo(12);
    assertThat(SignalOps.halve(ExportRequest.of(Signal.METRICS, SignalOps.METRICS.assemble(List.of(oneGauge)), 12))).isNull();
  }

  @Test
  void grpcResourceExhaustedOnSizeIsTooLargeOtherwisePerSpec() {
    assertThat(GrpcExporter.outcome(io.grpc.Status.RESOURCE_EXHAUSTED.withDescription("gRPC message exceeds maximum size 4194304: 9000000").asRuntimeException()).kind())
        .isEqualTo(ExportOutcome.Kind.TOO_LARGE);
    assertThat(GrpcExporter.outcome(io.grpc.Status.RESOURCE_EXHAUSTED.withDescription("grpc: received message larger than max (9000000 vs. 4194304)").asRuntimeException()).kind())
        .isEqualTo(ExportOutcome.Kind.TOO_LARGE);
    assertThat(GrpcExporter.outcome(io.grpc.Status.RESOURCE_EXHAUSTED.withDescription("tenant quota exhausted").asRuntimeException()).kind())
        .isEqualTo(ExportOutcome.Kind.NON_RETRYABLE);
  }

  @Test
  void retryPolicyBackoffJitterCapAndBudget() {
    ExporterConfig.Retry r = TestConfig.exporter().retry();
    r = TestConfig.with(r, "initial_interval=1s", "max_interval=5s", "multiplier=2", "max_elapsed_time=60s");
    RetryPolicy mid = new RetryPolicy(r, () -> 0.5); // jitter factor 1.0
    assertThat(List.of(mid.backoff(1), mid.backoff(2), mid.backoff(3), mid.backoff(4), mid.backoff(10)))
        .containsExactly(Duration.ofSeconds(1), Duration.ofSeconds(2), Duration.ofSeconds(4), Duration.ofSeconds(5), Duration.ofSeconds(5));
    assertThat(new RetryPolicy(r, () -> 0.0).backoff(1)).isEqualTo(Duration.ofMillis(500));
    assertThat(new RetryPolicy(r, () -> 0.99).backoff(4)).isEqualTo(Duration.ofSeconds(5));
    assertThat(mid.next(1, Duration.ofSeconds(20), 0)).isEqualTo(Duration.ofSeconds(20));
    assertThat(mid.next(1, null, Duration.ofSeconds(59).toNanos())).isEqualTo(Duration.ofSeconds(1));
    assertThat(mid.next(1, null, Duration.ofMillis(59_500).toNanos())).isNull();
    assertThat(mid.next(1, Duration.ofSeconds(30), Duration.ofSeconds(31).toNanos())).isNull();
    r = TestConfig.with(r, "max_elapsed_time=0");
    assertThat(new RetryPolicy(r, () -> 0.5).next(100, null, Long.MAX_VALUE / 2)).isEqualTo(Duration.ofSeconds(5));
    r = TestConfig.with(r, "enabled=false");
    assertThat(new RetryPolicy(r, () -> 0.5).next(1, null, 0)).isNull();
  }

  @Test
  void throttledLogAggregatesIntoOneLinePerInterval() {
    ManualClock t = new ManualClock();
    List<String> lines = new ArrayList<>();
    ThrottledLog log = new ThrottledLog("dropped", Duration.ofSeconds(10), t, lines::add, true);
    log.record("traces/non_retryable", 5, "grpc INVALID_ARGUMENT");
    for (int i = 0; i < 100; i++) {
      log.record("traces/non_retryable", 2, "grpc INVALID_ARGUMENT");
    }
    log.record("logs/queue_full", 7, "queue full");
    assertThat(lines).hasSize(1);
    assertThat(lines.get(0)).contains("traces/non_retryable=5");
    t.advance(Duration.ofSeconds(11));
    log.flush(false);
    assertThat(lines).hasSize(2);
    assertThat(lines.get(1)).contains("logs/queue_full=7", "traces/non_retryable=200", "207 items in 101 requests", "last error: queue full");
    log.flush(true);
    assertThat(lines).hasSize(2); // nothing new to report
  }

  @Test
  void offersRaceShutdownWithoutLosingCount() throws Exception {
    ExporterConfig c = cfg();
    c = TestConfig.with(c, "queue.capacity_items=1000000");
    FakeExporter fake = new FakeExporter();
    ExportPipeline p = ExportPipeline.builder(c, metrics).exporter(fake).build();
    p.start();
    AtomicInteger offered = new AtomicInteger();
    List<Thread> threads = new ArrayList<>();
    for (int t = 0; t < 4; t++) {
      Thread th = new Thread(() -> {
        for (int i = 0; i < 300; i++) {
          p.offerSpans(List.of(TestData.resourceSpans(1)), 1);
          offered.incrementAndGet();
        }
      });
      threads.add(th);
      th.start();
    }
    await().until(() -> offered.get() > 100);
    p.shutdown(Duration.ofSeconds(10));
    for (Thread th : threads) {
      th.join();
    }
    // every offered item is exported or counted as refused at shutdown, none vanishes
    assertThat(metrics.get("exported.traces") + metrics.get("export_failed.traces." + Reasons.SHUTDOWN)).isEqualTo(1200);
    assertThat(TestData.queued(metrics)).isZero();
  }
}
