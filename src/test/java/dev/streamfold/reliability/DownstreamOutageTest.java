package dev.streamfold.reliability;

import dev.streamfold.config.TestConfig;
import dev.streamfold.testing.TestServices;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.streamfold.app.Service;
import dev.streamfold.config.StreamfoldConfig;
import dev.streamfold.testing.FakeCollector;
import dev.streamfold.time.ManualClock;
import io.grpc.Status;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Downstream outage (SPEC 5 retry): the downstream is down (not listening) while streams and
 * plain spans arrive, comes back answering UNAVAILABLE for a while, then recovers. Everything
 * streamfold accepted reaches it exactly once; nothing is dropped.
 */
class DownstreamOutageTest {
  FakeCollector downstream;
  ManualClock clock;
  Service service;
  Harness.GrpcClient client;

  @BeforeEach
  void start() throws Exception {
    downstream = new FakeCollector();
    clock = new ManualClock();
    StreamfoldConfig cfg = TestServices.config(downstream.endpoint());
    cfg = TestConfig.with(cfg, "exporter.retry.max_elapsed_time=5m");
    service = new Service(cfg, clock);
    service.start();
    client = new Harness.GrpcClient(service.grpcPort());
  }

  @AfterEach
  void stop() throws Exception {
    client.close();
    service.stop();
    downstream.close();
  }

  @Test
  void everythingAcceptedDuringAnOutageArrivesOnceTheDownstreamIsBack() throws Exception {
    downstream.stop();
    long outageStart = System.nanoTime();
    Workload w = new Workload(1, 40, 6, 200, 20);
    for (ExportTraceServiceRequest r : w.requests()) {
      client.traces(r); // accepted: OK, no partial_success
    }
    assertThat(service.window().sync(Duration.ofSeconds(10))).isTrue();
    clock.advance(Duration.ofSeconds(3)); // past finalize_grace: the condensed spans are emitted
    assertThat(service.window().sync(Duration.ofSeconds(10))).isTrue();

    // all of it waits in the export queue, none dropped, none delivered
    await().atMost(Duration.ofSeconds(10)).until(() -> Harness.exportQueued(service) == w.expectedSpans());
    Harness.Scrape during = Harness.scrape(service);
    assertThat(during.sum("streamfold_export_queue_size")).isEqualTo(w.expectedSpans());
    assertThat(during.sum("streamfold_exported_total")).isZero();
    assertThat(during.sum("streamfold_export_failed_total")).isZero();

    // the downstream comes back, but answers UNAVAILABLE to its first calls (still starting)
    downstream.failNext(5, Status.Code.UNAVAILABLE, null);
    downstream.restart();
    await().atMost(Duration.ofSeconds(30)).until(() -> w.countIn(downstream.spans()) == w.expectedSpans());
    long outageMs = (System.nanoTime() - outageStart) / 1_000_000;
    await().atMost(Duration.ofSeconds(10)).until(() -> Harness.exportQueued(service) == 0);

    int found = w.assertExactlyOnce(downstream.spans());
    assertThat(downstream.spans()).hasSize(w.expectedSpans());
    assertThat(downstream.failedAnswers()).isEqualTo(5);
    Harness.Scrape after = Harness.scrape(service);
    assertThat(after.count("streamfold_exported_total", "signal", "traces")).isEqualTo(w.expectedSpans());
    assertThat(after.sum("streamfold_export_failed_total")).isZero();
    Harness.summary("downstream-outage", String.format(
        "sent=%d spans (%d streams x %d chunks + stream span, %d plain), accepted=%d requests, expected downstream=%d, "
            + "received=%d (exactly once), downstream attempts=%d, answered UNAVAILABLE=%d, export_failed=0, outage=%d ms",
        w.sentSpans(), w.streams, w.chunks, w.plain, w.requests().size(), w.expectedSpans(), found,
        downstream.attempts(), downstream.failedAnswers(), outageMs));
  }

  @Test
  void anOutageLongerThanTheRetryBudgetDropsAndCountsWhatWasQueued() throws Exception {
    client.close();
    service.stop();
    StreamfoldConfig cfg = TestServices.config(downstream.endpoint());
    cfg = TestConfig.with(cfg, "exporter.retry.max_elapsed_time=300ms");
    service = new Service(cfg, clock);
    service.start();
    client = new Harness.GrpcClient(service.grpcPort());
    downstream.stop();
    Workload w = new Workload(7, 10, 3, 50, 10);
    for (ExportTraceServiceRequest r : w.requests()) {
      client.traces(r);
    }
    assertThat(service.window().sync(Duration.ofSeconds(10))).isTrue();
    clock.advance(Duration.ofSeconds(3));
    assertThat(service.window().sync(Duration.ofSeconds(10))).isTrue();
    await().atMost(Duration.ofSeconds(20)).until(() ->
        Harness.scrape(service).count("streamfold_export_failed_total", "reason", "retries_exhausted", "signal", "traces") == w.expectedSpans());
    assertThat(Harness.exportQueued(service)).isZero();
    downstream.restart();
    assertThat(downstream.spans()).isEmpty();
    Harness.summary("downstream-outage-past-retry-budget", String.format(
        "max_elapsed_time=300 ms, downstream down: expected=%d spans, delivered=0, export_failed_total{reason=retries_exhausted}=%d, queue empty",
        w.expectedSpans(), w.expectedSpans()));
  }
}
