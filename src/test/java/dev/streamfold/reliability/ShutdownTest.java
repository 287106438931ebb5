package dev.streamfold.reliability;

import dev.streamfold.config.TestConfig;
import dev.streamfold.testing.TestServices;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.ByteString;
import dev.streamfold.app.Service;
import dev.streamfold.config.StreamfoldConfig;
import dev.streamfold.otlp.Attributes;
import dev.streamfold.testing.FakeCollector;
import dev.streamfold.time.ManualClock;
import dev.streamfold.testing.Otlp;
import io.grpc.StatusRuntimeException;
import io.opentelemetry.proto.trace.v1.Span;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Orderly shutdown (SPEC 3 last bullet, SPEC 6 health): during {@code accept_grace} readiness is
 * 503, liveness 200, and data is still accepted; then open streams close, those whose stream span
 * arrived as {@code stream_end} (complete), the rest as {@code shutdown}; everything accepted is
 * delivered before {@link Service#stop()} returns.
 */
class ShutdownTest {
  FakeCollector downstream;
  Service service;

  @AfterEach
  void stop() throws Exception {
    service.stop();
    downstream.close();
  }

  @Test
  void stopEmitsOpenStreamsAndDeliversWhatWasAcceptedDuringTheGrace() throws Exception {
    downstream = new FakeCollector();
    ManualClock clock = new ManualClock(); // never advanced: no stream closes on its own
    StreamfoldConfig cfg = TestServices.config(downstream.endpoint());
    cfg = TestConfig.with(cfg, "service.shutdown.accept_grace=500ms", "service.shutdown.timeout=5s");
    service = new Service(cfg, clock);
    service.start();
    int withSpan = 5;
    int withoutSpan = 4;
    Map<ByteString, Integer> chunksOf = new HashMap<>();
    try (Harness.GrpcClient client = new Harness.GrpcClient(service.grpcPort())) {
      for (int s = 0; s < withSpan + withoutSpan; s++) {
        ByteString trace = Otlp.trace(900 + s);
        ByteString streamId = Otlp.id(90_000L + s * 100);
        int chunks = 2 + s;
        chunksOf.put(streamId, chunks);
        List<Span> spans = new ArrayList<>();
        for (int k = 0; k < chunks; k++) {
          spans.add(Otlp.chunk(trace, streamId, 90_000L + s * 100 + 1 + k, k, 10 + k, 11 + k));
        }
        if (s < withSpan) { // stream span arrived: in finalize_grace
          spans.add(Otlp.span(trace, streamId, null, "chat", 0, 50).addAttributes(Attributes.of("gen_ai.request.stream", true)).build());
        }
        client.traces(Otlp.traces(spans.toArray(Span[]::new)));
      }
    }
    assertThat(service.window().sync(Duration.ofSeconds(10))).isTrue();
    assertThat(service.window().openStreams()).isEqualTo(withSpan + withoutSpan);
    int health = service.healthPort();
    assertThat(Harness.get(health, "/health/ready")).isEqualTo(200);
    assertThat(Harness.get(health, "/health/live")).isEqualTo(200);

    // a client keeps sending plain spans, one per request, until it is refused
    List<ByteString> accepted = new CopyOnWriteArrayList<>();
    AtomicInteger acceptedWhileNotReady = new AtomicInteger();
    AtomicReference<String> endedWith = new AtomicReference<>();
    CompletableFuture<Void> sender = CompletableFuture.runAsync(() -> {
      try (Harness.GrpcClient c = new Harness.GrpcClient(service.grpcPort())) {
        for (int i = 0; i < 1_000_000; i++) {
          boolean wasReady = service.ready();
          ByteString id = Otlp.id(95_000_000L + i);
          try {
            c.traces(Otlp.traces(Otlp.span(Otlp.trace(2_000_000 + i), id, null, "during-shutdown-" + i, 0, 1).build()));
          } catch (StatusRuntimeException e) {
            endedWith.set(e.getStatus().getCode().toString());
            return;
          }
          accepted.add(id);
          if (!wasReady) {
            acceptedWhileNotReady.incrementAndGet();
          }
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    });
    await().atMost(Duration.ofSeconds(10)).until(() -> accepted.size() >= 5);

    CompletableFuture<Void> stopping = CompletableFuture.runAsync(service::stop);
    await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(10)).until(() -> Harness.get(health, "/health/ready") == 503);
    int liveDuringGrace = Harness.get(health, "/health/live");
    stopping.get(30, TimeUnit.SECONDS);
    sender.get(30, TimeUnit.SECONDS);
    assertThat(liveDuringGrace).isEqualTo(200);
    assertThat(endedWith.get()).isIn("UNAVAILABLE");
    assertThat(acceptedWhileNotReady.get()).as("requests accepted during accept_grace").isPositive();

    // everything is delivered by the time stop() returns
    List<Span> got = downstream.spans();
    Map<ByteString, Integer> plainCount = new HashMap<>();
    got.forEach(s -> plainCount.merge(s.getSpanId(), 1, Integer::sum));
    for (ByteString id : accepted) {
      assertThat(plainCount.get(id)).as("accepted span %s", Harness.hex(id)).isEqualTo(1);
    }
    int streamEnd = 0;
    int shutdown = 0;
    for (Map.Entry<ByteString, Integer> e : chunksOf.entrySet()) {
      List<Span> condensed = got.stream()
          .filter(s -> s.getSpanId().equals(e.getKey()) || (s.getParentSpanId().equals(e.getKey()) && s.getName().equals("llm_stream.incomplete")))
          .toList();
      assertThat(condensed).hasSize(1);
      Span c = condensed.get(0);
      assertThat(Harness.lng(c, "llm_stream.chunk.count")).isEqualTo((long) e.getValue());
      if (c.getName().equals("chat")) {
        assertThat(Harness.str(c, "llm_stream.end_reason")).isEqualTo("stream_end");
        assertThat(Harness.bool(c, "llm_stream.complete")).isTrue();
        streamEnd++;
      } else {
        assertThat(Harness.str(c, "llm_stream.end_reason")).isEqualTo("shutdown");
        assertThat(Harness.bool(c, "llm_stream.complete")).isFalse();
        shutdown++;
      }
    }
    assertThat(streamEnd).isEqualTo(withSpan);
    assertThat(shutdown).isEqualTo(withoutSpan);
    assertThat(got).hasSize(accepted.size() + withSpan + withoutSpan);
    Harness.summary("shutdown", String.format(
        "open streams at stop=%d (%d in finalize_grace -> stream_end complete=true, %d without stream span -> shutdown complete=false), "
            + "accept_grace=500 ms: readiness 503 / liveness %d during the grace, plain spans accepted=%d (of which %d after readiness "
            + "went 503), then refused with %s; delivered before stop() returned=%d spans, lost=0",
        withSpan + withoutSpan, streamEnd, shutdown, liveDuringGrace, accepted.size(), acceptedWhileNotReady.get(), endedWith.get(),
        got.size()));
  }
}
