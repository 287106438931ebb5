package dev.streamfold.explain;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.streamfold.app.Service;
import dev.streamfold.config.StreamfoldConfig;
import dev.streamfold.explain.Report.StreamReport;
import dev.streamfold.otlp.Attributes;
import dev.streamfold.testing.FakeCollector;
import dev.streamfold.testing.TestServices;
import dev.streamfold.time.ManualClock;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.trace.v1.Span;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@code explain} says what the service emits: every recorded producer fixture is explained, and
 * the same requests are sent to a running {@link Service} over OTLP/HTTP (protobuf), with the same
 * arrival gaps on the service's manual clock; the real gRPC downstream must receive exactly the
 * number of spans the report announces, and each stream's span there must carry exactly the
 * figures the report lists.
 */
class ExplainMatchesServiceTest {
  static final Path FIXTURES = Path.of("src/test/resources/fixtures");

  static Stream<Path> fixtures() throws IOException {
    try (Stream<Path> s = Files.list(FIXTURES)) {
      return s.filter(p -> p.toString().endsWith(".json")).sorted().toList().stream();
    }
  }

  @ParameterizedTest
  @MethodSource("fixtures")
  void explainGivesTheFiguresTheServiceEmits(Path fixture) throws Exception {
    StreamfoldConfig cfg;
    try (FakeCollector downstream = new FakeCollector()) {
      cfg = TestServices.config(downstream.endpoint());
      Report report = Explainer.explain(cfg.window(), "test", List.of(fixture));
      assertThat(report.errors()).isEmpty();
      ManualClock clock = new ManualClock();
      Service service = new Service(cfg, clock);
      service.start();
      try {
        send(service, clock, InputReader.read(List.of(fixture)).requests());
        clock.advance(cfg.window().finalizeGrace());
        assertThat(service.window().sync(Duration.ofSeconds(10))).isTrue();
        clock.advance(cfg.window().idleTimeout());
        assertThat(service.window().sync(Duration.ofSeconds(10))).isTrue();
        await().atMost(Duration.ofSeconds(20)).until(() -> downstream.spans().size() >= report.totals().outSpans());
        List<Span> out = downstream.spans();
        assertThat(out).hasSize((int) report.totals().outSpans());
        assertThat(downstream.logRecords()).hasSize((int) report.totals().outLogRecords());

        List<StreamReport> streams = report.traces().stream().flatMap(t -> t.streams().stream()).toList();
        for (StreamReport s : streams) {
          Span emitted = out.stream().filter(sp -> StreamRef.hex(sp.getTraceId()).equals(s.traceId())
              && (s.outcome().equals("incomplete")
                  ? sp.getName().equals("llm_stream.incomplete") && StreamRef.hex(sp.getParentSpanId()).equals(s.streamId())
                  : StreamRef.hex(sp.getSpanId()).equals(s.streamId()))).findFirst().orElseThrow(
                      () -> new AssertionError(fixture + ": no emitted span for " + s.label() + " " + s.streamId()));
          for (Map.Entry<String, Object> f : s.figures().entrySet()) {
            AnyValue v = Attributes.find(emitted.getAttributesList(), f.getKey());
            assertThat(v).as("%s %s %s", fixture.getFileName(), s.label(), f.getKey()).isNotNull();
            assertThat(Explainer.value(v)).as("%s %s %s", fixture.getFileName(), s.label(), f.getKey()).isEqualTo(f.getValue());
          }
          // and nothing the report leaves out
          long derived = emitted.getAttributesList().stream().filter(kv -> kv.getKey().startsWith("llm_stream.")).count();
          assertThat(s.figures().keySet().stream().filter(k -> k.startsWith("llm_stream.")).count()).isEqualTo(derived);
        }
      } finally {
        service.stop();
      }
    }
  }

  /** Sends each request as the producer's exporter would, advancing the clock by recorded arrival gaps. */
  static void send(Service service, ManualClock clock, List<InputRequest> requests) throws Exception {
    HttpClient http = HttpClient.newHttpClient();
    long previous = -1;
    for (InputRequest r : requests) {
      if (r.arrivedUnixMs() >= 0) {
        if (previous >= 0 && r.arrivedUnixMs() > previous) {
          clock.advance(Duration.ofMillis(r.arrivedUnixMs() - previous));
          assertThat(service.window().sync(Duration.ofSeconds(10))).isTrue();
        }
        previous = r.arrivedUnixMs();
      }
      HttpRequest req = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + service.httpPort() + "/v1/" + r.signal().label()))
          .header("Content-Type", "application/x-protobuf")
          .POST(HttpRequest.BodyPublishers.ofByteArray(r.message().toByteArray()))
          .build();
      HttpResponse<byte[]> resp = http.send(req, HttpResponse.BodyHandlers.ofByteArray());
      assertThat(resp.statusCode()).as("%s accepted", r.where()).isEqualTo(200);
      assertThat(service.window().sync(Duration.ofSeconds(10))).isTrue();
    }
  }
}
