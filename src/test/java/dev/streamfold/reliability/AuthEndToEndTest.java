package dev.streamfold.reliability;

import dev.streamfold.config.TestConfig;
import dev.streamfold.testing.TestServices;
import static dev.streamfold.config.TestConfig.set;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.streamfold.app.Service;
import dev.streamfold.config.StreamfoldConfig;
import dev.streamfold.testing.FakeCollector;
import dev.streamfold.time.ManualClock;
import io.opentelemetry.exporter.internal.FailedExportException;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter;
import io.opentelemetry.exporter.otlp.trace.OtlpGrpcSpanExporter;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.common.export.GrpcStatusCode;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Bearer-token auth end to end (SPEC 6 security): the real OTel Java SDK exporters, over gRPC and
 * HTTP, against a service configured with {@code receivers.otlp.auth.bearer_token_file}. With the
 * token the spans reach the downstream; without it, or with a wrong one, the export fails with
 * UNAUTHENTICATED / 401, nothing reaches the downstream, and each refusal is counted.
 */
class AuthEndToEndTest {
  static final String TOKEN = "s3cret-t0ken-for-tests";
  @TempDir Path dir;
  FakeCollector downstream;
  Service service;

  @BeforeEach
  void start() throws Exception {
    downstream = new FakeCollector();
    Path tokenFile = dir.resolve("token");
    Files.writeString(tokenFile, TOKEN + "\n");
    StreamfoldConfig cfg = TestServices.config(downstream.endpoint());
    cfg = TestConfig.with(cfg, set("receivers.otlp.auth.bearer_token_file", tokenFile.toString()));
    service = new Service(cfg, new ManualClock());
    service.start();
  }

  @AfterEach
  void stop() throws Exception {
    service.stop();
    downstream.close();
  }

  static List<SpanData> spans(String name) {
    InMemorySpanExporter mem = InMemorySpanExporter.create();
    try (SdkTracerProvider p = SdkTracerProvider.builder().addSpanProcessor(SimpleSpanProcessor.create(mem)).build()) {
      p.get("auth-test").spanBuilder(name).startSpan().end();
      List<SpanData> out = List.copyOf(mem.getFinishedSpanItems()); // closing the provider clears the in-memory exporter
      assertThat(out).hasSize(1);
      return out;
    }
  }

  static CompletableResultCode export(SpanExporter exporter, Collection<SpanData> spans) {
    try {
      CompletableResultCode r = exporter.export(spans).join(10, TimeUnit.SECONDS);
      assertThat(r.isDone()).as("answered within the deadline").isTrue();
      return r;
    } finally {
      exporter.shutdown().join(5, TimeUnit.SECONDS);
    }
  }

  io.opentelemetry.exporter.otlp.trace.OtlpGrpcSpanExporterBuilder grpc() {
    return OtlpGrpcSpanExporter.builder().setEndpoint("http://127.0.0.1:" + service.grpcPort()).setTimeout(Duration.ofSeconds(10));
  }

  io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporterBuilder http() {
    return OtlpHttpSpanExporter.builder().setEndpoint("http://127.0.0.1:" + service.httpPort() + "/v1/traces").setTimeout(Duration.ofSeconds(10));
  }

  static GrpcStatusCode grpcStatus(CompletableResultCode r) {
    assertThat(r.isSuccess()).isFalse();
    assertThat(r.getFailureThrowable()).isInstanceOf(FailedExportException.GrpcExportException.class);
    return ((FailedExportException.GrpcExportException) r.getFailureThrowable()).getResponse().getStatusCode();
  }

  static int httpStatus(CompletableResultCode r) {
    assertThat(r.isSuccess()).isFalse();
    assertThat(r.getFailureThrowable()).isInstanceOf(FailedExportException.HttpExportException.class);
    return ((FailedExportException.HttpExportException) r.getFailureThrowable()).getResponse().getStatusCode();
  }

  @Test
  void sdkExportersGetInWithTheBearerTokenAndAreRejectedWithoutIt() throws Exception {
    CompletableResultCode grpcOk = export(grpc().addHeader("Authorization", "Bearer " + TOKEN).build(), spans("grpc-with-token"));
    CompletableResultCode httpOk = export(http().addHeader("Authorization", "Bearer " + TOKEN).build(), spans("http-with-token"));
    assertThat(grpcOk.isSuccess()).isTrue();
    assertThat(httpOk.isSuccess()).isTrue();

    GrpcStatusCode grpcNone = grpcStatus(export(grpc().build(), spans("grpc-no-token")));
    GrpcStatusCode grpcWrong = grpcStatus(export(grpc().addHeader("Authorization", "Bearer wrong").build(), spans("grpc-wrong-token")));
    int httpNone = httpStatus(export(http().build(), spans("http-no-token")));
    int httpWrong = httpStatus(export(http().addHeader("Authorization", "Bearer " + TOKEN + "x").build(), spans("http-wrong-token")));
    assertThat(grpcNone).isEqualTo(GrpcStatusCode.UNAUTHENTICATED);
    assertThat(grpcWrong).isEqualTo(GrpcStatusCode.UNAUTHENTICATED);
    assertThat(httpNone).isEqualTo(401);
    assertThat(httpWrong).isEqualTo(401);

    await().atMost(Duration.ofSeconds(10)).until(() -> downstream.spans().size() >= 2);
    assertThat(downstream.spans()).extracting(io.opentelemetry.proto.trace.v1.Span::getName)
        .containsExactlyInAnyOrder("grpc-with-token", "http-with-token");
    Harness.Scrape s = Harness.scrape(service);
    assertThat(s.count("streamfold_refused_total", "reason", "unauthenticated", "signal", "traces")).isEqualTo(4);
    Harness.summary("bearer-auth", String.format(
        "OTel SDK %s exporters: with token gRPC=%s HTTP=%s; without token gRPC=%s HTTP=%d; wrong token gRPC=%s HTTP=%d; "
            + "received downstream=%d (only the authorized), refused_total{reason=unauthenticated}=%d",
        "1.67.0", grpcOk.isSuccess() ? "OK" : "FAIL", httpOk.isSuccess() ? "200" : "FAIL", grpcNone, httpNone, grpcWrong, httpWrong,
        downstream.spans().size(), s.count("streamfold_refused_total", "reason", "unauthenticated", "signal", "traces")));
  }
}
