package dev.streamfold.reliability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.streamfold.app.Service;
import dev.streamfold.config.StreamfoldConfig;
import dev.streamfold.testing.FakeCollector;
import dev.streamfold.testing.ManualClock;
import dev.streamfold.testing.TestServices;
import io.opentelemetry.proto.trace.v1.Span;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;
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

  void start(Consumer<StreamfoldConfig> tweak) throws Exception {
    downstream = new FakeCollector();
    StreamfoldConfig cfg = TestServices.config(downstream.endpoint());
    tweak.accept(cfg);
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
    try {
      for (int t = 0; t < ticks * 10 && (t < ticks || probes.rounds.get() < 3); t++) {
        for (Attacker a : attackers) {
          a.tick();
        }
        Thread.sleep(TICK.toMillis());
      }
    } finally {
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
    start(c -> c.receivers.otlp.http.readHeaderTimeout = Duration.ofSeconds(1));
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
    start(c -> c.receivers.otlp.http.requestTimeout = Duration.ofSeconds(2));
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
}
