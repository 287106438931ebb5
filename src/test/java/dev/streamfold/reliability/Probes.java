package dev.streamfold.reliability;

import dev.streamfold.app.Service;
import dev.streamfold.testing.Otlp;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.trace.v1.Span;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Well-behaved clients on 127.0.0.1 probing every port of a service in rounds while an attack
 * runs: an OTLP/HTTP export, an OTLP/gRPC export (plain spans, remembered when accepted), a
 * liveness probe and a metrics scrape, each with {@link Harness#CALL_DEADLINE}. A probe counts
 * as failed on any error or unexpected status; an export answered "retry later" is not a
 * failure but is counted apart.
 */
final class Probes implements AutoCloseable {
  private final Service service;
  private final int ns;
  private final ScheduledExecutorService rounder = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread t = new Thread(r, "probes");
    t.setDaemon(true);
    return t;
  });
  private final Harness.GrpcClient grpc;
  final AtomicInteger rounds = new AtomicInteger();
  final AtomicInteger attempts = new AtomicInteger();
  final AtomicInteger retryLater = new AtomicInteger();
  final List<String> failures = new CopyOnWriteArrayList<>();
  /** Slowest probe seen, for the report (not a pass criterion). */
  private volatile long slowestNanos;
  private volatile String slowest = "";
  /** Spans of every export the service accepted: all must reach the downstream. */
  final List<Span> accepted = new CopyOnWriteArrayList<>();

  Probes(Service service, int ns) {
    this.service = service;
    this.ns = ns;
    this.grpc = new Harness.GrpcClient(service.grpcPort());
    rounder.scheduleWithFixedDelay(this::round, 0, 50, TimeUnit.MILLISECONDS);
  }

  /** One round: every port probed once. */
  private void round() {
    probe("http export", () -> {
      List<Span> spans = spans(ns, rounds.get() * 2);
      HttpResponse<byte[]> r = Harness.post(service.httpPort(), "/v1/traces", "application/x-protobuf", request(spans).toByteArray());
      if (r.statusCode() == 200) {
        accepted.addAll(spans);
      } else if (r.statusCode() == 503) {
        retryLater.incrementAndGet();
      } else {
        throw new AssertionError("status " + r.statusCode());
      }
    });
    probe("grpc export", () -> {
      List<Span> spans = spans(ns, rounds.get() * 2 + 1);
      grpc.traces(request(spans));
      accepted.addAll(spans);
    });
    probe("health", () -> expect(200, Harness.get(service.healthPort(), "/health/live")));
    probe("metrics", () -> expect(200, Harness.get(service.metricsPort(), "/metrics")));
    rounds.incrementAndGet();
  }

  private static void expect(int want, int got) {
    if (want != got) {
      throw new AssertionError("status " + got);
    }
  }

  private interface Call {
    void run() throws Exception;
  }

  private void probe(String what, Call call) {
    attempts.incrementAndGet();
    long t0 = System.nanoTime();
    try {
      call.run();
    } catch (Exception | AssertionError e) {
      failures.add(what + ": " + e);
    }
    long took = System.nanoTime() - t0;
    if (took > slowestNanos) {
      slowestNanos = took;
      slowest = what;
    }
  }

  static List<Span> spans(int ns, int round) {
    List<Span> out = new ArrayList<>();
    for (int i = 0; i < 2; i++) {
      long id = ((long) ns << 40) | ((long) round << 8) | i;
      out.add(Otlp.span(Otlp.trace((int) (id % 1_000_000_007L)), Otlp.id(id), null, "probe-" + ns + "-" + round + "-" + i, 0, 5).build());
    }
    return out;
  }

  static ExportTraceServiceRequest request(List<Span> spans) {
    return Otlp.traces(spans.toArray(Span[]::new));
  }

  /** Stops probing (after the round in progress). */
  @Override
  public void close() throws InterruptedException {
    rounder.shutdown();
    rounder.awaitTermination(60, TimeUnit.SECONDS);
    grpc.close();
  }

  String summary() {
    return rounds.get() + " rounds, " + (attempts.get() - failures.size()) + "/" + attempts.get() + " probes ok (slowest: "
        + slowest + " " + slowestNanos / 1_000_000 + " ms)";
  }
}
