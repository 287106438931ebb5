package dev.streamfold.reliability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.streamfold.app.Service;
import dev.streamfold.config.StreamfoldConfig;
import dev.streamfold.testing.FakeCollector;
import dev.streamfold.time.ManualClock;
import dev.streamfold.testing.TestServices;
import io.opentelemetry.proto.trace.v1.Span;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Hostile clients against a whole service (issue 13), each attack at small scale for a bounded
 * number of ticks from 127.0.0.2 while {@link Probes} on 127.0.0.1 keep probing every port: every
 * probe must succeed during the attack, the attackers must be cut off or refused (and the
 * refusals counted), and every export the service accepted must reach the downstream. The
 * attack figures are printed as {@code RELIABILITY} lines for docs/RELIABILITY.md. No timing
 * threshold is a pass criterion; probes have the generous {@link Harness#CALL_DEADLINE}.
 */
class AttackTest {
  static final Duration TICK = Duration.ofMillis(200);
  FakeCollector downstream;
  Service service;

  /** @param sets {@code --set} overrides of the service test config */
  void start(String... sets) throws Exception {
    downstream = new FakeCollector();
    StreamfoldConfig cfg = TestServices.config(downstream.endpoint(), sets);
    service = new Service(cfg, new ManualClock());
    service.start();
    // one round before any attack: a cold JVM on a loaded machine is slow to answer the first time
    try (Probes warmUp = new Probes(service, 99)) {
      await().atMost(Duration.ofSeconds(60)).until(() -> warmUp.rounds.get() >= 1);
    }
  }

  @AfterEach
  void stop() throws Exception {
    if (service != null) {
      service.stop();
    }
    if (downstream != null) {
      downstream.close();
    }
  }

  /**
   * Drives the attackers for at least {@code ticks} ticks and until the probes completed three
   * rounds under attack (at most ten times as many ticks); returns the probes' record.
   */
  Probes underAttack(int ns, int ticks, Attacker... attackers) throws Exception {
    Probes probes = new Probes(service, ns);
    long cpu0 = cpuNanos();
    long wall0 = System.nanoTime();
    ScheduledExecutorService pace = Executors.newSingleThreadScheduledExecutor();
    AtomicInteger done = new AtomicInteger();
    try {
      pace.scheduleAtFixedRate(() -> {
        for (Attacker a : attackers) {
          a.tick();
        }
        done.incrementAndGet();
      }, 0, TICK.toMillis(), TimeUnit.MILLISECONDS);
      // at least `ticks` ticks and three probe rounds under attack; at most ten times the ticks
      await().pollInterval(TICK).atMost(TICK.multipliedBy(ticks * 10L + 50))
          .until(() -> done.get() >= ticks * 10 || (done.get() >= ticks && probes.rounds.get() >= 3));
    } finally {
      pace.shutdownNow();
      pace.awaitTermination(10, TimeUnit.SECONDS);
      probes.close();
    }
    double cores = (double) (cpuNanos() - cpu0) / (System.nanoTime() - wall0);
    lastCpu = String.format("process CPU %.2f cores (attacker and probes included)", cores);
    assertThat(probes.failures).as("probe failures during the attack").isEmpty();
    assertThat(probes.rounds.get()).as("probe rounds during the attack").isGreaterThanOrEqualTo(3);
    return probes;
  }

  String lastCpu = "";

  static long cpuNanos() {
    return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
  }

  /** Every span of an accepted export arrives downstream. */
  void assertDelivered(List<Span> accepted) {
    Set<com.google.protobuf.ByteString> want = accepted.stream().map(Span::getSpanId).collect(Collectors.toSet());
    await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
      Set<com.google.protobuf.ByteString> got = downstream.traces.stream()
          .flatMap(r -> r.getResourceSpansList().stream())
          .flatMap(rs -> rs.getScopeSpansList().stream())
          .flatMap(ss -> ss.getSpansList().stream())
          .map(Span::getSpanId)
          .filter(want::contains)
          .collect(Collectors.toSet());
      assertThat(got).hasSize(want.size());
    });
  }

  static final String SLOW_DRIP = "X-Slow: a\r\n";

  @Test
  void slowHeadersOnEveryHttpPortAreCutOffWhileProbesKeepSucceeding() throws Exception {
    start("receivers.otlp.http.read_header_timeout=1s");
    byte[] drip = Attacker.ascii(SLOW_DRIP);
    try (Attacker http = new Attacker(service.httpPort(), 100, i -> Attacker.ascii("POST /v1/traces HTTP/1.1\r\nHost: x\r\n"), drip, true);
        Attacker health = new Attacker(service.healthPort(), 20, i -> Attacker.ascii("GET /health/live HTTP/1.1\r\n"), drip, true);
        Attacker metrics = new Attacker(service.metricsPort(), 20, i -> Attacker.ascii("GET /metrics HTTP/1.1\r\n"), drip, true)) {
      // longer than the health and metrics header timeout (5 s), so every attacker there is cut off once
      Probes probes = underAttack(1, 40, http, health, metrics);
      assertThat(http.finished.size()).as("slow OTLP/HTTP connections cut off").isGreaterThanOrEqualTo(100);
      assertThat(health.finished.size()).as("slow health connections cut off").isGreaterThanOrEqualTo(20);
      assertThat(metrics.finished.size()).as("slow metrics connections cut off").isGreaterThanOrEqualTo(20);
      assertThat(http.finished).allMatch(c -> c.answer.length() == 0 || c.statusLine().startsWith("HTTP/1.1 408"));
      assertDelivered(probes.accepted);
      Harness.summary("slow headers", String.format(
          "held up to %d OTLP/HTTP + %d health + %d metrics connections dripping one byte per %d ms; cut off %d + %d + %d; %s; %s",
          http.peakOpen, health.peakOpen, metrics.peakOpen, TICK.toMillis(), http.finished.size(), health.finished.size(),
          metrics.finished.size(), probes.summary(), lastCpu));
    }
  }

  @Test
  void slowBodiesGet408AndAreCountedWhileProbesKeepSucceeding() throws Exception {
    start("receivers.otlp.http.request_timeout=2s");
    String head = "POST /v1/traces HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-protobuf\r\nContent-Length: 100000\r\n\r\n";
    try (Attacker http = new Attacker(service.httpPort(), 60, i -> Attacker.ascii(head), new byte[] {0x0a}, false)) {
      Probes probes = underAttack(2, 20, http);
      assertThat(http.finished).as("slow bodies cut off").hasSize(60);
      assertThat(http.finished).allMatch(c -> c.statusLine().startsWith("HTTP/1.1 408"));
      Harness.Scrape s = Harness.scrape(service);
      assertThat(s.count("streamfold_refused_total", "signal", "traces", "reason", "request_timeout")).isEqualTo(60);
      assertDelivered(probes.accepted);
      Harness.summary("slow body", String.format(
          "%d OTLP/HTTP connections sending a 100 kB body one byte per %d ms: all answered 408 and closed, counted as refused{reason=request_timeout}; %s; %s",
          http.peakOpen, TICK.toMillis(), probes.summary(), lastCpu));
    }
  }

  static byte[] rawPost(byte[] body) {
    byte[] head = Attacker.ascii("POST /v1/traces HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-protobuf\r\nContent-Length: "
        + body.length + "\r\n\r\n");
    byte[] all = java.util.Arrays.copyOf(head, head.length + body.length);
    System.arraycopy(body, 0, all, head.length, body.length);
    return all;
  }

  @Test
  void aConnectionFloodFromOneClientIsRefusedAndCountedWhileOtherClientsAreServed() throws Exception {
    start("receivers.otlp.http.read_header_timeout=60s", "receivers.otlp.http.max_connections_per_client=32",
        "receivers.otlp.grpc.max_connections_per_client=16");
    try (Attacker http = new Attacker(service.httpPort(), 120, i -> new byte[0], new byte[0], false);
        Attacker health = new Attacker(service.healthPort(), 120, i -> new byte[0], new byte[0], false);
        Attacker grpc = new Attacker(service.grpcPort(), 60, i -> new byte[0], new byte[0], false)) {
      Probes probes = underAttack(3, 10, http, health, grpc);
      // past the per-client limit and its slack (a quarter, at least 4) a socket is closed on accept
      assertThat(http.finished).as("OTLP/HTTP connections closed on accept").hasSize(120 - 40);
      assertThat(grpc.finished.size()).as("gRPC connections closed on accept").isGreaterThanOrEqualTo(60 - 16);
      assertThat(health.finished.size()).as("health connections closed on accept").isGreaterThanOrEqualTo(120 - 80);
      String heldSummary = String.format("held %d OTLP/HTTP (limit 32 per client), %d health (64), %d gRPC (16) of 120/120/60",
          http.live.size(), health.live.size(), grpc.live.size());

      // every connection the flood still holds sends one export: the first 32 are served, the
      // rest of the slack is answered 503 + Retry-After and counted, nothing is reset
      List<Attacker.Conn> held = List.copyOf(http.live);
      java.util.Map<Attacker.Conn, List<Span>> sent = new java.util.HashMap<>();
      for (int i = 0; i < held.size(); i++) {
        List<Span> spans = Probes.spans(4, i);
        sent.put(held.get(i), spans);
        assertThat(http.send(held.get(i), rawPost(Probes.request(spans).toByteArray()))).isTrue();
      }
      await().atMost(Duration.ofSeconds(30)).until(() -> {
        http.tick();
        return held.stream().allMatch(c -> c.answer.indexOf("\r\n\r\n") >= 0);
      });
      List<Attacker.Conn> served = held.stream().filter(c -> c.statusLine().equals("HTTP/1.1 200 OK")).toList();
      List<Attacker.Conn> refused = held.stream().filter(c -> c.statusLine().startsWith("HTTP/1.1 503")).toList();
      assertThat(served).hasSize(32);
      assertThat(refused).hasSize(held.size() - 32).isNotEmpty()
          .allMatch(c -> c.answer.toString().toLowerCase(java.util.Locale.ROOT).contains("retry-after: 1"));
      assertThat(Harness.scrape(service).count("streamfold_refused_total", "signal", "traces", "reason", "too_many_connections"))
          .isEqualTo(refused.size());

      // the refused exports are retryable: once the flood is gone, a retry is accepted
      http.close();
      List<Span> accepted = new java.util.ArrayList<>(probes.accepted);
      served.forEach(c -> accepted.addAll(sent.get(c)));
      for (Attacker.Conn c : refused) {
        List<Span> spans = sent.get(c);
        await().atMost(Duration.ofSeconds(30)).ignoreExceptions().until(() ->
            Harness.post(service.httpPort(), "/v1/traces", "application/x-protobuf", Probes.request(spans).toByteArray()).statusCode() == 200);
        accepted.addAll(spans);
      }
      assertDelivered(accepted);
      Harness.summary("connection flood", heldSummary + String.format(
          "; of the held OTLP/HTTP connections %d served, %d answered 503 + Retry-After (counted too_many_connections) and accepted on retry; %s; %s",
          served.size(), refused.size(), probes.summary(), lastCpu));
    }
  }

  @Test
  void invalidUtf8InAProtobufStringCostsOnlyTheBadCharacters() throws Exception {
    start();
    String marker = "XXBADXX";
    byte[] bad = {'X', (byte) 0xff, 'B', 'A', 'D', (byte) 0xfe, 'X'};
    List<Span> viaHttp = new java.util.ArrayList<>(Probes.spans(5, 0));
    List<Span> viaGrpc = new java.util.ArrayList<>(Probes.spans(5, 1));
    viaHttp.add(dev.streamfold.testing.Otlp.span(dev.streamfold.testing.Otlp.trace(777), dev.streamfold.testing.Otlp.id(777_001), null, marker, 0, 5)
        .addAttributes(dev.streamfold.testing.Otlp.kv("k", marker)).build());
    viaGrpc.add(dev.streamfold.testing.Otlp.span(dev.streamfold.testing.Otlp.trace(778), dev.streamfold.testing.Otlp.id(778_001), null, marker, 0, 5)
        .addAttributes(dev.streamfold.testing.Otlp.kv("k", marker)).build());
    byte[] httpBody = replaceAll(Probes.request(viaHttp).toByteArray(), Attacker.ascii(marker), bad);
    byte[] grpcBody = replaceAll(Probes.request(viaGrpc).toByteArray(), Attacker.ascii(marker), bad);
    // the bytes really are rejected by a strict parse
    org.assertj.core.api.Assertions.assertThatThrownBy(
        () -> io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest.parseFrom(httpBody))
        .isInstanceOf(com.google.protobuf.InvalidProtocolBufferException.class);

    var r = Harness.post(service.httpPort(), "/v1/traces", "application/x-protobuf", httpBody);
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse.parseFrom(r.body()).hasPartialSuccess()).isFalse();
    try (Harness.GrpcClient client = new Harness.GrpcClient(service.grpcPort())) {
      var method = io.opentelemetry.proto.collector.trace.v1.TraceServiceGrpc.getExportMethod()
          .toBuilder(new RawMarshaller(), io.opentelemetry.proto.collector.trace.v1.TraceServiceGrpc.getExportMethod().getResponseMarshaller())
          .build();
      var resp = io.grpc.stub.ClientCalls.blockingUnaryCall(client.channel, method,
          io.grpc.CallOptions.DEFAULT.withDeadlineAfter(10, java.util.concurrent.TimeUnit.SECONDS), grpcBody);
      assertThat(resp.hasPartialSuccess()).isFalse();
    }
    List<Span> all = new java.util.ArrayList<>(viaHttp);
    all.addAll(viaGrpc);
    assertDelivered(all);
    List<Span> repaired = downstream.traces.stream().flatMap(q -> q.getResourceSpansList().stream())
        .flatMap(rs -> rs.getScopeSpansList().stream()).flatMap(ss -> ss.getSpansList().stream())
        .filter(sp -> sp.getName().contains("BAD")).toList();
    assertThat(repaired).hasSize(2).allSatisfy(sp -> {
      assertThat(sp.getName()).isEqualTo("X\uFFFDBAD\uFFFDX");
      assertThat(sp.getAttributes(0).getValue().getStringValue()).isEqualTo("X\uFFFDBAD\uFFFDX");
    });
    assertThat(Harness.scrape(service).count("streamfold_refused_total", "reason", "malformed")).isZero();
  }

  static byte[] replaceAll(byte[] in, byte[] what, byte[] with) {
    byte[] out = in.clone();
    for (int i = 0; i + what.length <= out.length; i++) {
      if (java.util.Arrays.equals(out, i, i + what.length, what, 0, what.length)) {
        System.arraycopy(with, 0, out, i, with.length);
      }
    }
    return out;
  }

  /** Sends pre-encoded bytes as the request message. */
  static final class RawMarshaller implements io.grpc.MethodDescriptor.Marshaller<byte[]> {
    @Override
    public java.io.InputStream stream(byte[] value) {
      return new java.io.ByteArrayInputStream(value);
    }

    @Override
    public byte[] parse(java.io.InputStream stream) {
      throw new UnsupportedOperationException();
    }
  }

  @Test
  void http2RapidResetConnectionsAreClosedWhileProbesKeepSucceeding() throws Exception {
    int limit = 100;
    start("receivers.otlp.grpc.max_rst_frames_per_window=" + limit);
    List<RapidReset> attackers = new java.util.ArrayList<>();
    Probes probes;
    try {
      for (int i = 0; i < 4; i++) {
        attackers.add(new RapidReset(service.grpcPort(), 20, "rapid-reset-" + i));
      }
      probes = underAttack(7, 10);
    } finally {
      for (RapidReset a : attackers) {
        a.close();
      }
    }
    long resets = attackers.stream().mapToLong(a -> a.resets.get()).sum();
    long connections = attackers.stream().mapToLong(a -> a.connections.get()).sum();
    // a connection is closed once it sent more than `limit` resets in the window: the attackers
    // had to reconnect, and no connection carried many more resets than the limit (some are in
    // flight when the server's GOAWAY arrives)
    assertThat(connections).as("attacker connections").isGreaterThan(4);
    assertThat(resets / connections).as("resets per connection").isLessThan(10L * limit);
    assertDelivered(probes.accepted);
    Harness.summary("HTTP/2 rapid reset", String.format(
        "4 raw HTTP/2 clients sending HEADERS + RST_STREAM pairs (20 per 10 ms each): %d streams reset over %d connections (%d per connection; limit %d RST_STREAM per 10 s window, then GOAWAY); %s; %s",
        resets, connections, resets / connections, limit, probes.summary(), lastCpu));
  }
}
