package dev.streamfold.receiver;

import dev.streamfold.config.TestConfig;
import dev.streamfold.telemetry.InMemoryMetrics;
import static dev.streamfold.config.TestConfig.set;
import static org.assertj.core.api.Assertions.assertThat;

import dev.streamfold.config.ReceiverConfig;
import dev.streamfold.pipeline.Signal;
import dev.streamfold.telemetry.Reasons;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.MetadataUtils;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter;
import io.opentelemetry.exporter.otlp.trace.OtlpGrpcSpanExporter;
import io.opentelemetry.proto.collector.trace.v1.TraceServiceGrpc;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** TLS, mTLS and bearer-token auth on both receivers, with the OTel SDK exporters as clients. */
class ReceiverSecurityTest {
  private static final String TOKEN = "s3cret-token-Zq9";

  @TempDir static Path dir;
  static TestCerts certs;
  static Path tokenFile;

  private final RecordingIngress ingress = new RecordingIngress();
  private final InMemoryMetrics metrics = new InMemoryMetrics();

  @BeforeAll
  static void pki() throws Exception {
    certs = TestCerts.generate(dir);
    tokenFile = dir.resolve("token");
    Files.writeString(tokenFile, TOKEN + "\n");
  }

  @BeforeEach
  void reset() {
    ingress.clear();
    metrics.clear();
  }

  private static ReceiverConfig tlsConfig(boolean mtls, Path key) {
    String[] tls = {set("cert_file", certs.serverCert.toString()), set("key_file", key.toString()),
        set("client_ca_file", mtls ? certs.caCert.toString() : "")};
    return TestConfig.with(OtlpGrpcReceiverTest.config(), TestConfig.concat(TestConfig.under("grpc.tls", tls), TestConfig.under("http.tls", tls)));
  }

  private static ReceiverConfig tokenConfig() {
    ReceiverConfig c = OtlpGrpcReceiverTest.config();
    c = TestConfig.with(c, set("auth.bearer_token_file", tokenFile.toString()));
    return c;
  }

  private boolean export(SpanExporter exporter) {
    try {
      return exporter.export(SdkFixtures.spans()).join(20, TimeUnit.SECONDS).isSuccess();
    } finally {
      exporter.shutdown().join(5, TimeUnit.SECONDS);
    }
  }

  // ---- gRPC ----

  @Test
  void grpcOverTlsWithTheSdkExporter() throws Exception {
    OtlpGrpcReceiver r = new OtlpGrpcReceiver(tlsConfig(false, certs.serverKey), ingress, metrics, SdkFixtures.CLOCK);
    r.start();
    try {
      String endpoint = "https://localhost:" + r.port();
      assertThat(export(OtlpGrpcSpanExporter.builder().setEndpoint(endpoint).setRetryPolicy(null)
          .setTrustedCertificates(TestCerts.read(certs.caCert)).build())).isTrue();
      SdkFixtures.assertSpans(SdkFixtures.spans(), ingress.traces);
      // a client that does not trust the CA cannot connect
      ingress.clear();
      assertThat(export(OtlpGrpcSpanExporter.builder().setEndpoint(endpoint).setRetryPolicy(null).build())).isFalse();
      assertThat(ingress.traces).isEmpty();
    } finally {
      r.shutdown(Duration.ofSeconds(5));
    }
  }

  @Test
  void grpcMtlsRequiresAClientCertificateFromTheClientCa() throws Exception {
    OtlpGrpcReceiver r = new OtlpGrpcReceiver(tlsConfig(true, certs.serverKey), ingress, metrics, SdkFixtures.CLOCK);
    r.start();
    try {
      String endpoint = "https://localhost:" + r.port();
      byte[] ca = TestCerts.read(certs.caCert);
      assertThat(export(OtlpGrpcSpanExporter.builder().setEndpoint(endpoint).setRetryPolicy(null)
          .setTrustedCertificates(ca).build())).isFalse();
      assertThat(export(OtlpGrpcSpanExporter.builder().setEndpoint(endpoint).setRetryPolicy(null)
          .setTrustedCertificates(ca)
          .setClientTls(TestCerts.read(certs.rogueKey), TestCerts.read(certs.rogueCert)).build())).isFalse();
      assertThat(ingress.traces).isEmpty();
      assertThat(export(OtlpGrpcSpanExporter.builder().setEndpoint(endpoint).setRetryPolicy(null)
          .setTrustedCertificates(ca)
          .setClientTls(TestCerts.read(certs.clientKey), TestCerts.read(certs.clientCert)).build())).isTrue();
      SdkFixtures.assertSpans(SdkFixtures.spans(), ingress.traces);
    } finally {
      r.shutdown(Duration.ofSeconds(5));
    }
  }

  @Test
  void grpcBearerToken() throws Exception {
    OtlpGrpcReceiver r = new OtlpGrpcReceiver(tokenConfig(), ingress, metrics, SdkFixtures.CLOCK);
    r.start();
    ManagedChannel ch = NettyChannelBuilder.forAddress("127.0.0.1", r.port()).usePlaintext().build();
    try {
      String endpoint = "http://127.0.0.1:" + r.port();
      assertThat(export(OtlpGrpcSpanExporter.builder().setEndpoint(endpoint).setRetryPolicy(null).build())).isFalse();
      assertThat(export(OtlpGrpcSpanExporter.builder().setEndpoint(endpoint).setRetryPolicy(null)
          .addHeader("Authorization", "Bearer wrong").build())).isFalse();
      assertThat(ingress.traces).isEmpty();
      assertThat(metrics.refusedCount(Signal.TRACES, Reasons.UNAUTHENTICATED)).isEqualTo(2);

      StatusRuntimeException e = OtlpGrpcReceiverTest.catchStatus(() -> TraceServiceGrpc.newBlockingStub(ch)
          .withDeadlineAfter(10, TimeUnit.SECONDS).export(OtlpGrpcReceiverTest.validRequest(1)));
      assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED);
      assertThat(e.getStatus().getDescription()).doesNotContain(TOKEN);

      Metadata md = new Metadata();
      md.put(GrpcAuthInterceptor.AUTHORIZATION, "bearer " + TOKEN);
      assertThat(TraceServiceGrpc.newBlockingStub(ch).withInterceptors(MetadataUtils.newAttachHeadersInterceptor(md))
          .withDeadlineAfter(10, TimeUnit.SECONDS).export(OtlpGrpcReceiverTest.validRequest(1))).isNotNull();
      assertThat(export(OtlpGrpcSpanExporter.builder().setEndpoint(endpoint).setRetryPolicy(null)
          .addHeader("Authorization", "Bearer " + TOKEN).build())).isTrue();
      assertThat(ingress.traces).hasSize(2);
      // health checks need no token
      assertThat(HealthGrpc.newBlockingStub(ch).withDeadlineAfter(10, TimeUnit.SECONDS)
          .check(HealthCheckRequest.getDefaultInstance()).getStatus())
          .isEqualTo(HealthCheckResponse.ServingStatus.SERVING);
    } finally {
      ch.shutdownNow();
      r.shutdown(Duration.ofSeconds(5));
    }
  }

  // ---- HTTP ----

  @Test
  void httpOverTlsWithAPkcs1Key() throws Exception {
    OtlpHttpReceiver r = new OtlpHttpReceiver(tlsConfig(false, certs.serverKeyPkcs1), ingress, metrics, SdkFixtures.CLOCK);
    r.start();
    try {
      String endpoint = "https://localhost:" + r.port() + "/v1/traces";
      assertThat(export(OtlpHttpSpanExporter.builder().setEndpoint(endpoint).setRetryPolicy(null)
          .setTrustedCertificates(TestCerts.read(certs.caCert)).build())).isTrue();
      SdkFixtures.assertSpans(SdkFixtures.spans(), ingress.traces);
      ingress.clear();
      assertThat(export(OtlpHttpSpanExporter.builder().setEndpoint(endpoint).setRetryPolicy(null).build())).isFalse();
      assertThat(ingress.traces).isEmpty();
    } finally {
      r.shutdown(Duration.ofSeconds(5));
    }
  }

  @Test
  void httpMtlsRequiresAClientCertificateFromTheClientCa() throws Exception {
    OtlpHttpReceiver r = new OtlpHttpReceiver(tlsConfig(true, certs.serverKey), ingress, metrics, SdkFixtures.CLOCK);
    r.start();
    try {
      String endpoint = "https://localhost:" + r.port() + "/v1/traces";
      byte[] ca = TestCerts.read(certs.caCert);
      assertThat(export(OtlpHttpSpanExporter.builder().setEndpoint(endpoint).setRetryPolicy(null)
          .setTrustedCertificates(ca).build())).isFalse();
      assertThat(export(OtlpHttpSpanExporter.builder().setEndpoint(endpoint).setRetryPolicy(null)
          .setTrustedCertificates(ca)
          .setClientTls(TestCerts.read(certs.rogueKey), TestCerts.read(certs.rogueCert)).build())).isFalse();
      assertThat(ingress.traces).isEmpty();
      assertThat(export(OtlpHttpSpanExporter.builder().setEndpoint(endpoint).setRetryPolicy(null)
          .setTrustedCertificates(ca)
          .setClientTls(TestCerts.read(certs.clientKey), TestCerts.read(certs.clientCert)).build())).isTrue();
      SdkFixtures.assertSpans(SdkFixtures.spans(), ingress.traces);
    } finally {
      r.shutdown(Duration.ofSeconds(5));
    }
  }

  @Test
  void httpBearerToken() throws Exception {
    OtlpHttpReceiver r = new OtlpHttpReceiver(tokenConfig(), ingress, metrics, SdkFixtures.CLOCK);
    r.start();
    try {
      String endpoint = "http://127.0.0.1:" + r.port() + "/v1/traces";
      HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
      HttpResponse<byte[]> denied = client.send(HttpRequest.newBuilder(URI.create(endpoint))
              .header("Content-Type", "application/x-protobuf")
              .header("Authorization", "Bearer " + TOKEN + "x")
              .POST(HttpRequest.BodyPublishers.ofByteArray(OtlpGrpcReceiverTest.validRequest(1).toByteArray()))
              .build(),
          HttpResponse.BodyHandlers.ofByteArray());
      assertThat(denied.statusCode()).isEqualTo(401);
      assertThat(denied.headers().firstValue("WWW-Authenticate")).hasValue("Bearer");
      assertThat(com.google.rpc.Status.parseFrom(denied.body()).getCode())
          .isEqualTo(Status.Code.UNAUTHENTICATED.value());
      assertThat(new String(denied.body(), java.nio.charset.StandardCharsets.UTF_8)).doesNotContain(TOKEN);
      assertThat(export(OtlpHttpSpanExporter.builder().setEndpoint(endpoint).setRetryPolicy(null).build())).isFalse();
      assertThat(ingress.traces).isEmpty();
      assertThat(metrics.refusedCount(Signal.TRACES, Reasons.UNAUTHENTICATED)).isEqualTo(2);

      assertThat(export(OtlpHttpSpanExporter.builder().setEndpoint(endpoint).setRetryPolicy(null)
          .addHeader("Authorization", "Bearer " + TOKEN).build())).isTrue();
      SdkFixtures.assertSpans(SdkFixtures.spans(), ingress.traces);
    } finally {
      r.shutdown(Duration.ofSeconds(5));
    }
  }

  @Test
  void httpsWithTheJdkClientTrustingTheCa() throws Exception {
    OtlpHttpReceiver r = new OtlpHttpReceiver(tlsConfig(false, certs.serverKey), ingress, metrics, SdkFixtures.CLOCK);
    r.start();
    try {
      HttpClient client = HttpClient.newBuilder().sslContext(trusting(certs.caCert)).build();
      HttpResponse<byte[]> ok = client.send(HttpRequest.newBuilder(URI.create("https://localhost:" + r.port() + "/v1/traces"))
              .header("Content-Type", "application/x-protobuf")
              .POST(HttpRequest.BodyPublishers.ofByteArray(OtlpGrpcReceiverTest.validRequest(2).toByteArray()))
              .build(),
          HttpResponse.BodyHandlers.ofByteArray());
      assertThat(ok.statusCode()).isEqualTo(200);
      assertThat(ingress.traces).hasSize(1);
    } finally {
      r.shutdown(Duration.ofSeconds(5));
    }
  }

  @Test
  void missingTokenFileFailsStart() {
    ReceiverConfig c = OtlpGrpcReceiverTest.config();
    c = TestConfig.uncheckedWith(c, set("auth.bearer_token_file", dir.resolve("absent").toString()));
    OtlpHttpReceiver r = new OtlpHttpReceiver(c, ingress, metrics, SdkFixtures.CLOCK);
    org.assertj.core.api.Assertions.assertThatThrownBy(r::start).isInstanceOf(java.io.IOException.class);
    r.shutdown(Duration.ZERO);
  }

  static SSLContext trusting(Path caPem) throws Exception {
    KeyStore ks = KeyStore.getInstance("PKCS12");
    ks.load(null, null);
    try (InputStream in = Files.newInputStream(caPem)) {
      for (Certificate c : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
        ks.setCertificateEntry("ca", c);
      }
    }
    TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(ks);
    SSLContext ctx = SSLContext.getInstance("TLS");
    ctx.init(null, tmf.getTrustManagers(), null);
    return ctx;
  }
}
