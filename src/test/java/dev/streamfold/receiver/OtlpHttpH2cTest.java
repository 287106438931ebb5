package dev.streamfold.receiver;

import dev.streamfold.config.TestConfig;
import dev.streamfold.telemetry.InMemoryMetrics;
import static org.assertj.core.api.Assertions.assertThat;

import dev.streamfold.config.ReceiverConfig;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Protocol;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import org.junit.jupiter.api.Test;

/** receivers.otlp.http.h2c: HTTP/2 with prior knowledge and HTTP/1.1 on the same port. */
class OtlpHttpH2cTest {
  @Test
  void h2cPriorKnowledgeAndHttp11ShareThePort() throws Exception {
    RecordingIngress ingress = new RecordingIngress();
    ReceiverConfig cfg = OtlpHttpReceiverTest.config();
    cfg = TestConfig.with(cfg, "http.h2c=true");
    OtlpHttpReceiver receiver = new OtlpHttpReceiver(cfg, ingress, new InMemoryMetrics(), SdkFixtures.CLOCK);
    receiver.start();
    OkHttpClient h2 = new OkHttpClient.Builder().protocols(List.of(Protocol.H2_PRIOR_KNOWLEDGE)).build();
    try {
      String base = "http://127.0.0.1:" + receiver.port();
      List<ExportTraceServiceRequest> sent = new ArrayList<>();
      List<CompletableFuture<Integer>> answers = new ArrayList<>();
      for (int i = 0; i < 8; i++) {
        ExportTraceServiceRequest r = OtlpGrpcReceiverTest.validRequest(i + 1);
        sent.add(r);
        Request req = new Request.Builder().url(base + "/v1/traces")
            .post(RequestBody.create(r.toByteArray(), MediaType.get("application/x-protobuf"))).build();
        answers.add(CompletableFuture.supplyAsync(() -> {
          try (Response resp = h2.newCall(req).execute()) {
            assertThat(resp.protocol()).isEqualTo(Protocol.H2_PRIOR_KNOWLEDGE);
            assertThat(resp.header("Content-Type")).isEqualTo("application/x-protobuf");
            return resp.code();
          } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
          }
        }));
      }
      for (CompletableFuture<Integer> a : answers) {
        assertThat(a.get()).isEqualTo(200);
      }
      assertThat(ingress.traces).containsExactlyInAnyOrderElementsOf(sent);
      try (Response notFound = h2.newCall(new Request.Builder().url(base + "/v1/spans")
          .post(RequestBody.create(new byte[0], MediaType.get("application/x-protobuf"))).build()).execute()) {
        assertThat(notFound.code()).isEqualTo(404);
      }

      HttpClient http11 = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
      HttpResponse<byte[]> r = http11.send(HttpRequest.newBuilder(URI.create(base + "/v1/traces"))
          .timeout(Duration.ofSeconds(10)).header("Content-Type", "application/x-protobuf")
          .POST(HttpRequest.BodyPublishers.ofByteArray(OtlpGrpcReceiverTest.validRequest(1).toByteArray())).build(),
          HttpResponse.BodyHandlers.ofByteArray());
      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(ingress.traces).hasSize(sent.size() + 1);
    } finally {
      h2.dispatcher().executorService().shutdown();
      h2.connectionPool().evictAll();
      receiver.shutdown(Duration.ofSeconds(5));
    }
  }
}
