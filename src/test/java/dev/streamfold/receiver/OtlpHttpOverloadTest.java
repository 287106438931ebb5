package dev.streamfold.receiver;

import dev.streamfold.config.TestConfig;
import dev.streamfold.telemetry.InMemoryMetrics;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.streamfold.config.ReceiverConfig;
import dev.streamfold.pipeline.IngestResult;
import dev.streamfold.pipeline.Signal;
import dev.streamfold.telemetry.Reasons;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/**
 * Overload of the OTLP/HTTP decode pool (issue 13): with the one thread busy and the one queue
 * slot taken, further requests get 503 + Retry-After with a google.rpc.Status body, never a
 * connection reset, each counted as refused{reason=backpressure}; retried once the pool is free
 * they are accepted, so nothing is lost.
 */
class OtlpHttpOverloadTest {
  private final HttpClient client =
      HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(10)).build();

  @Test
  void aFullDecodeQueueAnswers503WithRetryAfterAndRetriesAreAccepted() throws Exception {
    CountDownLatch entered = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    AtomicBoolean first = new AtomicBoolean(true);
    RecordingIngress ingress = new RecordingIngress() {
      @Override
      public IngestResult traces(ExportTraceServiceRequest request) {
        if (first.getAndSet(false)) {
          entered.countDown();
          try {
            release.await(30, TimeUnit.SECONDS);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
        }
        return super.traces(request);
      }
    };
    InMemoryMetrics metrics = new InMemoryMetrics();
    ReceiverConfig cfg = OtlpHttpReceiverTest.config();
    cfg = TestConfig.with(cfg, "http.threads=1", "http.max_queued_requests=1");
    OtlpHttpReceiver receiver = new OtlpHttpReceiver(cfg, ingress, metrics, SdkFixtures.CLOCK);
    receiver.start();
    try {
      List<ExportTraceServiceRequest> requests = new ArrayList<>();
      for (int i = 0; i < 7; i++) {
        requests.add(OtlpGrpcReceiverTest.validRequest(i + 1));
      }
      CompletableFuture<HttpResponse<byte[]>> holding = send(receiver, requests.get(0));
      assertThat(entered.await(10, TimeUnit.SECONDS)).isTrue();
      List<CompletableFuture<HttpResponse<byte[]>>> rest = new ArrayList<>();
      for (int i = 1; i < requests.size(); i++) {
        rest.add(send(receiver, requests.get(i)));
      }
      // one of the six waits in the queue; the other five are answered at once
      await().atMost(Duration.ofSeconds(20)).until(() -> metrics.refusedCount(Signal.TRACES, Reasons.BACKPRESSURE) == 5
          && rest.stream().filter(CompletableFuture::isDone).count() == 5); // counted before the client has the answer
      List<ExportTraceServiceRequest> refused = new ArrayList<>();
      for (int i = 0; i < rest.size(); i++) {
        if (!rest.get(i).isDone()) {
          continue;
        }
        HttpResponse<byte[]> r = rest.get(i).get(); // a reset would throw here
        assertThat(r.statusCode()).isEqualTo(503);
        assertThat(r.headers().firstValue("Retry-After")).hasValue("1");
        assertThat(com.google.rpc.Status.parseFrom(r.body()).getCode()).isEqualTo(io.grpc.Status.Code.UNAVAILABLE.value());
        refused.add(requests.get(i + 1));
      }
      assertThat(refused).hasSize(5);
      release.countDown();
      assertThat(holding.get(20, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
      for (CompletableFuture<HttpResponse<byte[]>> f : rest) {
        assertThat(f.get(20, TimeUnit.SECONDS).statusCode()).isIn(200, 503);
      }
      for (ExportTraceServiceRequest r : refused) {
        assertThat(send(receiver, r).get(20, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
      }
      assertThat(ingress.traces).containsExactlyInAnyOrderElementsOf(requests);
    } finally {
      release.countDown();
      receiver.shutdown(Duration.ofSeconds(5));
    }
  }

  private CompletableFuture<HttpResponse<byte[]>> send(OtlpHttpReceiver receiver, ExportTraceServiceRequest r) {
    HttpRequest req = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + receiver.port() + "/v1/traces"))
        .timeout(Duration.ofSeconds(30))
        .header("Content-Type", "application/x-protobuf")
        .POST(HttpRequest.BodyPublishers.ofByteArray(r.toByteArray()))
        .build();
    return client.sendAsync(req, HttpResponse.BodyHandlers.ofByteArray());
  }
}
