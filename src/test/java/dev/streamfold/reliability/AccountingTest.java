package dev.streamfold.reliability;

import dev.streamfold.testing.TestServices;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.streamfold.app.Service;
import dev.streamfold.testing.FakeCollector;
import dev.streamfold.time.ManualClock;
import dev.streamfold.testing.Otlp;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.logs.v1.LogRecord;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * SPEC 3 "nothing is ever dropped silently": per unit, {@code received = passed + condensed +
 * dropped{reason} + buffered}, checked from the running service's /metrics scrape after a known
 * workload.
 */
class AccountingTest {
  FakeCollector downstream;
  ManualClock clock;
  Service service;
  Harness.GrpcClient client;

  @BeforeEach
  void start() throws Exception {
    downstream = new FakeCollector();
    clock = new ManualClock();
    service = new Service(TestServices.config(downstream.endpoint()), clock);
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
  void receivedCountsEachUnitOnceAndTheConservationLawHolds() throws Exception {
    Workload w = new Workload(3, 10, 4, 30, 10);
    for (ExportTraceServiceRequest r : w.requests()) {
      client.traces(r);
    }
    LogRecord plainLog = LogRecord.newBuilder().setTimeUnixNano(Otlp.ms(1))
        .setBody(io.opentelemetry.proto.common.v1.AnyValue.newBuilder().setStringValue("hello")).build();
    client.logs(Otlp.logs(plainLog, plainLog.toBuilder().setTimeUnixNano(Otlp.ms(2)).build()));
    assertThat(service.window().sync(Duration.ofSeconds(10))).isTrue();
    clock.advance(Duration.ofSeconds(3));
    assertThat(service.window().sync(Duration.ofSeconds(10))).isTrue();
    await().atMost(Duration.ofSeconds(10)).until(() -> w.countIn(downstream.spans()) == w.expectedSpans());

    Harness.Scrape s = Harness.scrape(service);
    long received = s.count("streamfold_received_total", "unit", "span");
    long passed = s.count("streamfold_passed_total", "unit", "span");
    long condensed = s.count("streamfold_condensed_total", "unit", "span");
    long dropped = s.count("streamfold_dropped_total", "unit", "span");
    long buffered = s.count("streamfold_buffered", "unit", "span");
    Harness.summary("accounting", String.format("sent spans=%d, received_total=%d, passed=%d, condensed=%d, dropped=%d, buffered=%d",
        w.sentSpans(), received, passed, condensed, dropped, buffered));
    assertThat(received).isEqualTo(w.sentSpans());
    assertThat(received).isEqualTo(passed + condensed + dropped + buffered);
    assertThat(s.count("streamfold_received_total", "unit", "log_record")).isEqualTo(2);
    assertThat(s.count("streamfold_passed_total", "unit", "log_record")).isEqualTo(2);
  }
}
