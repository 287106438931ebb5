package dev.streamfold.reliability;

import dev.streamfold.config.TestConfig;
import dev.streamfold.testing.TestServices;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.Any;
import com.google.rpc.RetryInfo;
import dev.streamfold.app.Service;
import dev.streamfold.config.StreamfoldConfig;
import dev.streamfold.testing.FakeCollector;
import dev.streamfold.time.ManualClock;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Slow downstream (SPEC 5 bounded queue, SPEC 6 backpressure): while the downstream holds every
 * export, the export queue fills, the receivers refuse (gRPC UNAVAILABLE with RetryInfo, HTTP 503
 * with Retry-After), and once the downstream answers again the client's retries of the refused
 * requests are accepted and everything arrives: the refusal is the only signal, nothing accepted
 * is lost.
 */
class BackpressureTest {
  static final String PROTOBUF = "application/x-protobuf";
  FakeCollector downstream;
  ManualClock clock;
  Service service;
  Harness.GrpcClient client;

  @BeforeEach
  void start() throws Exception {
    downstream = new FakeCollector();
    clock = new ManualClock();
    StreamfoldConfig cfg = TestServices.config(downstream.endpoint());
    cfg = TestConfig.with(cfg, "exporter.queue.capacity_items=200", "exporter.batch.max_size=20", "exporter.queue.consumers=2", "exporter.otlp.timeout=60s");
    service = new Service(cfg, clock);
    service.start();
    client = new Harness.GrpcClient(service.grpcPort());
  }

  @AfterEach
  void stop() throws Exception {
    downstream.release();
    client.close();
    service.stop();
    downstream.close();
  }

  /** A request is "refused" when the answer says retry later; anything else fails the test. */
  static boolean grpcAccepted(Harness.GrpcClient c, ExportTraceServiceRequest r) {
    try {
      assertThat(c.traces(r).hasPartialSuccess()).isFalse();
      return true;
    } catch (StatusRuntimeException e) {
      assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
      return false;
    }
  }

  static boolean httpAccepted(int port, ExportTraceServiceRequest r) throws Exception {
    HttpResponse<byte[]> resp = Harness.post(port, "/v1/traces", PROTOBUF, r.toByteArray());
    assertThat(resp.statusCode()).isIn(200, 503);
    return resp.statusCode() == 200;
  }

  @Test
  void aFullExportQueueRefusesWithRetryHintsAndRetriedSendsAllArrive() throws Exception {
    downstream.hold();
    Workload grpcLoad = new Workload(5, 0, 0, 400, 10);
    Workload httpLoad = new Workload(6, 0, 0, 50, 10);

    // gRPC: send until the queue is full and the receiver pushes back
    List<ExportTraceServiceRequest> refused = new ArrayList<>();
    StatusRuntimeException firstRefusal = null;
    int accepted = 0;
    for (ExportTraceServiceRequest r : grpcLoad.requests()) {
      try {
        client.traces(r);
        accepted++;
      } catch (StatusRuntimeException e) {
        if (firstRefusal == null) {
          firstRefusal = e;
        }
        refused.add(r);
      }
      // one request at a time through the window: concurrent admission can overshoot the queue
      // (see the disabled concurrentClientsBurstingIntoAFullQueueLoseNothing)
      assertThat(service.window().sync(Duration.ofSeconds(10))).isTrue();
    }
    assertThat(firstRefusal).as("the receiver pushed back").isNotNull();
    assertThat(firstRefusal.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
    com.google.rpc.Status detail = StatusProto.fromThrowable(firstRefusal);
    assertThat(detail).isNotNull();
    Any info = detail.getDetailsList().stream().filter(d -> d.is(RetryInfo.class)).findFirst().orElseThrow();
    assertThat(info.unpack(RetryInfo.class).getRetryDelay().getSeconds()).isPositive();
    assertThat(accepted).isPositive();
    assertThat(Harness.exportQueued(service)).isLessThanOrEqualTo(200);

    // HTTP: 503 with Retry-After and a google.rpc.Status body
    HttpResponse<byte[]> resp = Harness.post(service.httpPort(), "/v1/traces", PROTOBUF, httpLoad.requests().get(0).toByteArray());
    assertThat(resp.statusCode()).isEqualTo(503);
    assertThat(resp.headers().firstValue("Retry-After")).hasValueSatisfying(v -> assertThat(Long.parseLong(v)).isPositive());
    assertThat(com.google.rpc.Status.parseFrom(resp.body()).getCode()).isEqualTo(Status.Code.UNAVAILABLE.value());
    List<ExportTraceServiceRequest> httpRefused = new ArrayList<>(httpLoad.requests()); // all of it: the queue is full

    Harness.Scrape full = Harness.scrape(service);
    assertThat(full.sum("streamfold_refused_total", "reason", "backpressure")).isPositive();
    assertThat(full.sum("streamfold_export_failed_total")).isZero();

    // the downstream answers again; the clients retry what was refused, as an SDK exporter would
    downstream.release();
    AtomicLong retries = new AtomicLong();
    for (ExportTraceServiceRequest r : refused) {
      await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(20)).until(() -> {
        retries.incrementAndGet();
        return grpcAccepted(client, r);
      });
    }
    for (ExportTraceServiceRequest r : httpRefused) {
      await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(20)).until(() -> {
        retries.incrementAndGet();
        return httpAccepted(service.httpPort(), r);
      });
    }
    await().atMost(Duration.ofSeconds(30)).until(() -> downstream.spans().size() == grpcLoad.expectedSpans() + httpLoad.expectedSpans());
    grpcLoad.assertExactlyOnce(downstream.spans());
    httpLoad.assertExactlyOnce(downstream.spans());
    Harness.Scrape after = Harness.scrape(service);
    assertThat(after.sum("streamfold_export_failed_total")).isZero();
    Harness.summary("slow-downstream-backpressure", String.format(
        "sent=%d spans in %d requests (gRPC %d + HTTP %d), accepted at first=%d requests, refused: gRPC UNAVAILABLE=%d, HTTP 503=%d "
            + "(Retry-After=%s s), client retries=%d, received=%d (exactly once), export_failed=0",
        grpcLoad.plain + httpLoad.plain, grpcLoad.requests().size() + httpLoad.requests().size(), grpcLoad.requests().size(),
        httpLoad.requests().size(), accepted, refused.size(), httpRefused.size(), resp.headers().firstValue("Retry-After").orElse("?"),
        retries.get(), downstream.spans().size()));
  }

  @Test
  void concurrentClientsBurstingIntoAFullQueueLoseNothing() throws Exception {
    downstream.hold();
    int clients = 6;
    List<Workload> loads = new ArrayList<>();
    for (int i = 0; i < clients; i++) {
      loads.add(new Workload(10 + i, 0, 0, 300, 60));
    }
    AtomicLong refusedCount = new AtomicLong();
    ExecutorService pool = Executors.newFixedThreadPool(clients);
    List<Future<?>> done = new ArrayList<>();
    try {
      for (Workload w : loads) {
        done.add(pool.submit(() -> {
          try (Harness.GrpcClient c = new Harness.GrpcClient(service.grpcPort())) {
            for (ExportTraceServiceRequest r : w.requests()) {
              await().atMost(Duration.ofSeconds(60)).pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(20)).until(() -> {
                boolean ok = grpcAccepted(c, r);
                if (!ok) {
                  refusedCount.incrementAndGet();
                }
                return ok;
              });
            }
          }
          return null;
        }));
      }
      await().atMost(Duration.ofSeconds(30)).until(() -> refusedCount.get() >= clients);
      downstream.release();
      for (Future<?> f : done) {
        f.get();
      }
    } finally {
      pool.shutdownNow();
    }
    int expected = loads.stream().mapToInt(Workload::expectedSpans).sum();
    await().atMost(Duration.ofSeconds(30)).until(() -> Harness.exportQueued(service) == 0);
    Harness.Scrape after = Harness.scrape(service);
    Harness.summary("backpressure-burst", String.format(
        "clients=%d, sent=%d spans in requests of 60, refusals=%d, received=%d, export_failed{queue_full}=%d",
        clients, expected, refusedCount.get(), downstream.spans().size(),
        after.count("streamfold_export_failed_total", "reason", "queue_full")));
    assertThat(after.count("streamfold_export_failed_total", "reason", "queue_full")).isZero();
    for (Workload w : loads) {
      w.assertExactlyOnce(downstream.spans());
    }
  }
}
