package dev.streamfold.export;

import static dev.streamfold.config.TestConfig.set;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.streamfold.config.TestConfig;
import dev.streamfold.telemetry.InMemoryMetrics;
import dev.streamfold.config.ExporterConfig;
import dev.streamfold.pipeline.Signal;
import dev.streamfold.telemetry.Reasons;
import dev.streamfold.time.ManualClock;
import io.grpc.TlsServerCredentials;
import java.io.File;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Exporter TLS against real TLS servers, with certificates made by keytool at test time. */
class TlsExportTest {
  @TempDir static Path dir;

  /** PEM certificate and PKCS#8 key files plus the PKCS#12 store they came from. */
  private record Pem(File cert, File key, Path p12) {}

  private static Pem server;
  private static Pem client;

  private final List<AutoCloseable> closeables = new ArrayList<>();
  private final InMemoryMetrics metrics = new InMemoryMetrics();
  private final ManualClock time = new ManualClock();

  @BeforeAll
  static void certificates() throws Exception {
    server = selfSigned("server");
    client = selfSigned("client");
  }

  @AfterEach
  void tearDown() throws Exception {
    for (int i = closeables.size() - 1; i >= 0; i--) {
      closeables.get(i).close();
    }
  }

  private static Pem selfSigned(String name) throws Exception {
    Path p12 = dir.resolve(name + ".p12");
    String keytool = Path.of(System.getProperty("java.home"), "bin", "keytool").toString();
    Process proc =
        new ProcessBuilder(
                keytool, "-genkeypair", "-alias", name, "-keyalg", "EC", "-groupname", "secp256r1", "-dname", "CN=localhost",
                "-ext", "SAN=ip:127.0.0.1,dns:localhost", "-validity", "2", "-keystore", p12.toString(), "-storetype", "PKCS12",
                "-storepass", "changeit", "-keypass", "changeit")
            .redirectErrorStream(true)
            .start();
    String out = new String(proc.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(proc.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(proc.exitValue()).as(out).isZero();
    KeyStore ks = KeyStore.getInstance("PKCS12");
    try (InputStream in = Files.newInputStream(p12)) {
      ks.load(in, "changeit".toCharArray());
    }
    Certificate cert = ks.getCertificate(name);
    PrivateKey key = (PrivateKey) ks.getKey(name, "changeit".toCharArray());
    Path certFile = dir.resolve(name + ".crt");
    Path keyFile = dir.resolve(name + ".key");
    Files.writeString(certFile, pem("CERTIFICATE", cert.getEncoded()));
    Files.writeString(keyFile, pem("PRIVATE KEY", key.getEncoded()));
    return new Pem(certFile.toFile(), keyFile.toFile(), p12);
  }

  private static String pem(String type, byte[] der) {
    return "-----BEGIN " + type + "-----\n" + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der) + "\n-----END " + type + "-----\n";
  }

  private ExportPipeline start(ExporterConfig cfg) throws Exception {
    ExportPipeline p = ExportPipeline.builder(cfg, metrics).clock(time).build();
    p.start();
    closeables.add(() -> p.shutdown(Duration.ofSeconds(5)));
    return p;
  }

  private GrpcTestServer grpcServer(boolean requireClientCert) throws Exception {
    TlsServerCredentials.Builder b = TlsServerCredentials.newBuilder().keyManager(server.cert(), server.key());
    if (requireClientCert) {
      b.trustManager(client.cert()).clientAuth(TlsServerCredentials.ClientAuth.REQUIRE);
    }
    GrpcTestServer s = new GrpcTestServer(0, b.build());
    closeables.add(s);
    return s;
  }

  private static ExporterConfig tlsConfig(String type, String endpoint) {
    ExporterConfig cfg = Configs.of(type, endpoint);
    cfg = TestConfig.with(cfg, "otlp.tls.insecure=false", set("otlp.tls.ca_file", server.cert().getPath()), "retry.initial_interval=1s", "retry.max_interval=2s", "retry.max_elapsed_time=6s");
    return cfg;
  }

  @Test
  void grpcTrustsAPrivateCa() throws Exception {
    GrpcTestServer s = grpcServer(false);
    ExportPipeline p = start(tlsConfig("otlp_grpc", s.endpoint()));
    p.offerSpans(List.of(TestData.resourceSpans(2)), 2);
    await().until(() -> metrics.get("exported.traces") == 2);
    assertThat(s.traces).hasSize(1);
  }

  @Test
  void grpcWithoutTheCaFailsAndSkipVerifyConnects() throws Exception {
    GrpcTestServer s = grpcServer(false);
    ExporterConfig untrusted = tlsConfig("otlp_grpc", s.endpoint());
    untrusted = TestConfig.with(untrusted, set("otlp.tls.ca_file", ""));
    ExportPipeline p = start(untrusted);
    p.offerSpans(List.of(TestData.resourceSpans(1)), 1);
    await().until(() -> metrics.get("export_failed.traces." + Reasons.RETRIES_EXHAUSTED) == 1);
    assertThat(s.traces).isEmpty();

    ExporterConfig skip = tlsConfig("otlp_grpc", s.endpoint());
    skip = TestConfig.with(skip, set("otlp.tls.ca_file", ""), "otlp.tls.insecure_skip_verify=true");
    ExportPipeline p2 = start(skip);
    p2.offerSpans(List.of(TestData.resourceSpans(1)), 1);
    await().until(() -> metrics.get("exported.traces") == 1);
  }

  @Test
  void grpcPresentsTheClientCertificate() throws Exception {
    GrpcTestServer s = grpcServer(true);
    ExporterConfig cfg = tlsConfig("otlp_grpc", s.endpoint());
    cfg = TestConfig.with(cfg, set("otlp.tls.cert_file", client.cert().getPath()), set("otlp.tls.key_file", client.key().getPath()));
    ExportPipeline p = start(cfg);
    p.offerSpans(List.of(TestData.resourceSpans(1)), 1);
    await().until(() -> metrics.get("exported.traces") == 1);

    ExportPipeline noCert = start(tlsConfig("otlp_grpc", s.endpoint()));
    noCert.offerSpans(List.of(TestData.resourceSpans(1)), 1);
    await().until(() -> metrics.get("export_failed.traces." + Reasons.RETRIES_EXHAUSTED) == 1);
    assertThat(s.traces).hasSize(1);
  }

  private static SSLContext serverSslContext(boolean trustClient) throws Exception {
    KeyStore ks = KeyStore.getInstance("PKCS12");
    try (InputStream in = Files.newInputStream(server.p12())) {
      ks.load(in, "changeit".toCharArray());
    }
    KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
    kmf.init(ks, "changeit".toCharArray());
    TrustManagerFactory tmf = null;
    if (trustClient) {
      KeyStore ts = KeyStore.getInstance("PKCS12");
      ts.load(null, null);
      ts.setCertificateEntry("client", dev.streamfold.tls.Pem.certificates(client.cert().toPath()).iterator().next());
      tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      tmf.init(ts);
    }
    SSLContext ctx = SSLContext.getInstance("TLS");
    ctx.init(kmf.getKeyManagers(), tmf == null ? null : tmf.getTrustManagers(), null);
    return ctx;
  }

  @Test
  void httpsWithPrivateCaAndClientCertificate() throws Exception {
    HttpTestServer s = new HttpTestServer(serverSslContext(true), true);
    closeables.add(s);
    ExporterConfig cfg = tlsConfig("otlp_http", s.baseUrl());
    cfg = TestConfig.with(cfg, set("otlp.tls.cert_file", client.cert().getPath()), set("otlp.tls.key_file", client.key().getPath()));
    ExportPipeline p = start(cfg);
    p.offerSpans(List.of(TestData.resourceSpans(2)), 2);
    await().until(() -> metrics.get("exported.traces") == 2);
    assertThat(s.received).singleElement().satisfies(r -> assertThat(r.path()).isEqualTo("/v1/traces"));
  }

  @Test
  void httpsUntrustedFailsAndSkipVerifyConnects() throws Exception {
    HttpTestServer s = new HttpTestServer(serverSslContext(false), false);
    closeables.add(s);
    ExporterConfig untrusted = tlsConfig("otlp_http", s.baseUrl());
    untrusted = TestConfig.with(untrusted, set("otlp.tls.ca_file", ""));
    ExportPipeline p = start(untrusted);
    p.offerSpans(List.of(TestData.resourceSpans(1)), 1);
    await().until(() -> metrics.get("export_failed.traces." + Reasons.RETRIES_EXHAUSTED) == 1);
    assertThat(s.received).isEmpty();

    ExporterConfig skip = tlsConfig("otlp_http", s.baseUrl());
    skip = TestConfig.with(skip, set("otlp.tls.ca_file", ""), "otlp.tls.insecure_skip_verify=true");
    ExportPipeline p2 = start(skip);
    p2.offerSpans(List.of(TestData.resourceSpans(1)), 1);
    await().until(() -> metrics.get("exported.traces") == 1);
  }

  @Test
  void pkcs1RsaKeysAreAccepted() throws Exception {
    KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
    g.initialize(2048);
    KeyPair kp = g.generateKeyPair();
    byte[] pkcs8 = kp.getPrivate().getEncoded();
    byte[] pkcs1 = Arrays.copyOfRange(pkcs8, 26, pkcs8.length); // PrivateKeyInfo header of a 2048-bit RSA key
    Path f = dir.resolve("rsa1.key");
    Files.writeString(f, pem("RSA PRIVATE KEY", pkcs1));
    assertThat(dev.streamfold.tls.Pem.privateKey(f)).isEqualTo(kp.getPrivate());
    Path f8 = dir.resolve("rsa8.key");
    Files.writeString(f8, "junk before\n" + pem("PRIVATE KEY", pkcs8));
    assertThat(dev.streamfold.tls.Pem.privateKey(f8)).isEqualTo(kp.getPrivate());
  }
}
