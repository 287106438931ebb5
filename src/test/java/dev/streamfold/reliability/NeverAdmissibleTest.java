package dev.streamfold.reliability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.streamfold.app.Service;
import dev.streamfold.config.StreamfoldConfig;
import dev.streamfold.config.TestConfig;
import dev.streamfold.testing.FakeCollector;
import dev.streamfold.testing.Otlp;
import dev.streamfold.testing.TestServices;
import dev.streamfold.time.ManualClock;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import io.opentelemetry.exporter.internal.FailedExportException;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter;
import io.opentelemetry.exporter.otlp.trace.OtlpGrpcSpanExporter;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.common.export.GrpcStatusCode;
import io.opentelemetry.sdk.common.export.RetryPolicy;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import io.opentelemetry.proto.trace.v1.Span;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A valid request larger than the export queue could ever admit (issue 13) is answered with a
 * non-retryable status naming the limit (gRPC INVALID_ARGUMENT, HTTP 413), never with the
 * retryable UNAVAILABLE / 503 that can never succeed: OTel SDK exporters with retry enabled
 * try it once.
 */
class NeverAdmissibleTest {
  static final String LIMIT = "90 items"; // capacity 100 less admission_reserve 0.1

  FakeCollector downstream;
  Service service;

  @BeforeEach
  void start() throws Exception {
    downstream = new FakeCollector();
    StreamfoldConfig cfg = TestServices.config(downstream.endpoint());
    cfg = TestConfig.with(cfg, "exporter.queue.capacity_items=100");
    service = new Service(cfg, new ManualClock());
    service.start();
  }

  @AfterEach
  void stop() throws Exception {
    service.stop();
    downstream.close();
  }

  static List<SpanData> spans(int n, String prefix) {
    InMemorySpanExporter mem = InMemorySpanExporter.create();
    try (SdkTracerProvider p = SdkTracerProvider.builder().addSpanProcessor(SimpleSpanProcessor.create(mem)).build()) {
      for (int i = 0; i < n; i++) {
        p.get("never-admissible").spanBuilder(prefix + i).startSpan().end();
      }
      return List.copyOf(mem.getFinishedSpanItems());
    }
  }

  static CompletableResultCode export(SpanExporter exporter, List<SpanData> spans) {
    return AuthEndToEndTest.export(exporter, spans);
  }

  long refusedTooLarge() throws Exception {
    return Harness.scrape(service).count("streamfold_refused_total", "reason", "too_large", "signal", "traces");
  }

  @Test
  void sdkExportersWithRetryTryATooLargeRequestOnceAndSmallerOnesGetIn() throws Exception {
    SpanExporter grpc = OtlpGrpcSpanExporter.builder().setEndpoint("http://127.0.0.1:" + service.grpcPort())
        .setRetryPolicy(RetryPolicy.getDefault()).setTimeout(Duration.ofSeconds(10)).build();
    CompletableResultCode g = export(grpc, spans(200, "grpc-"));
    assertThat(g.isSuccess()).isFalse();
    assertThat(((FailedExportException.GrpcExportException) g.getFailureThrowable()).getResponse().getStatusCode())
        .isEqualTo(GrpcStatusCode.INVALID_ARGUMENT);
    assertThat(refusedTooLarge()).isEqualTo(200); // one attempt: the SDK did not retry

    SpanExporter http = OtlpHttpSpanExporter.builder().setEndpoint("http://127.0.0.1:" + service.httpPort() + "/v1/traces")
        .setRetryPolicy(RetryPolicy.getDefault()).setTimeout(Duration.ofSeconds(10)).build();
    CompletableResultCode h = export(http, spans(200, "http-"));
    assertThat(h.isSuccess()).isFalse();
    assertThat(((FailedExportException.HttpExportException) h.getFailureThrowable()).getResponse().getStatusCode()).isEqualTo(413);
    assertThat(refusedTooLarge()).isEqualTo(400);

    CompletableResultCode small = export(OtlpGrpcSpanExporter.builder().setEndpoint("http://127.0.0.1:" + service.grpcPort()).build(), spans(50, "ok-"));
    assertThat(small.isSuccess()).isTrue();
    await().atMost(Duration.ofSeconds(10)).until(() -> downstream.spans().size() == 50);
    Harness.summary("never-admissible", String.format(
        "200-span requests over an admission mark of %s: gRPC %s, HTTP %d, refused_total{reason=too_large}=%d (one attempt each, "
            + "SDK retry enabled); a 50-span request accepted and delivered", LIMIT, GrpcStatusCode.INVALID_ARGUMENT, 413, refusedTooLarge()));
  }

  @Test
  void theAnswerNamesTheLimitAndCarriesNoRetryHint() throws Exception {
    List<Span> spans = new ArrayList<>();
    for (int i = 0; i < 120; i++) {
      spans.add(Otlp.span(Otlp.trace(7), Otlp.id(700 + i), null, "s" + i, 0, 1).build());
    }
    try (Harness.GrpcClient client = new Harness.GrpcClient(service.grpcPort())) {
      StatusRuntimeException e = org.junit.jupiter.api.Assertions.assertThrows(
          StatusRuntimeException.class, () -> client.traces(Otlp.traces(spans.toArray(Span[]::new))));
      assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
      assertThat(e.getStatus().getDescription()).contains("120 items", LIMIT, "capacity_items");
      com.google.rpc.Status detail = StatusProto.fromThrowable(e);
      assertThat(detail == null ? List.of() : detail.getDetailsList()).isEmpty();
    }
    var resp = Harness.post(service.httpPort(), "/v1/traces", "application/x-protobuf", Otlp.traces(spans.toArray(Span[]::new)).toByteArray());
    assertThat(resp.statusCode()).isEqualTo(413);
    assertThat(resp.headers().firstValue("Retry-After")).isEmpty();
    assertThat(com.google.rpc.Status.parseFrom(resp.body()).getMessage()).contains(LIMIT);
  }
}
