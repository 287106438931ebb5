package dev.streamfold.tls;

import static dev.streamfold.config.TestConfig.set;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.streamfold.config.ConfigException;
import dev.streamfold.config.TestConfig;
import dev.streamfold.config.TlsConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every key format an operator's openssl produces, each one served in a real TLS handshake; the
 * encrypted ones with their password; chains; and the errors {@code validate} reports.
 */
class PemTest {
  @TempDir static Path dir;
  private static Openssl ssl;

  @BeforeAll
  static void keys() throws Exception {
    ssl = new Openssl(dir);
    // PKCS#8 (openssl 3 default), PKCS#1 RSA, SEC1 EC with its EC PARAMETERS block, Ed25519
    ssl.run("genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", "rsa-pkcs8.key");
    ssl.run("rsa", "-in", "rsa-pkcs8.key", "-traditional", "-out", "rsa-pkcs1.key");
    ssl.run("ecparam", "-name", "prime256v1", "-genkey", "-out", "ec-sec1.key");
    ssl.run("genpkey", "-algorithm", "ed25519", "-out", "ed25519.key");
    // encrypted PKCS#8 (PBES2 / AES-256-CBC) and OpenSSL's legacy encrypted SEC1
    ssl.run("pkcs8", "-topk8", "-in", "ec-sec1.key", "-v2", "aes-256-cbc", "-passout", "pass:s3cret", "-out", "ec-enc.key");
    ssl.run("ec", "-in", "ec-sec1.key", "-aes256", "-passout", "pass:s3cret", "-out", "ec-legacy-enc.key");
    Files.writeString(dir.resolve("password.txt"), "s3cret\n");
    Files.writeString(dir.resolve("wrong.txt"), "nope\n");
    // chain: root -> intermediate -> leaf; the cert file holds leaf + intermediate
    ssl.ca("root", null);
    ssl.ca("intermediate", "root");
    ssl.leaf("leaf", "intermediate");
    Files.writeString(dir.resolve("leaf-chain.pem"),
        Files.readString(dir.resolve("leaf.pem")) + Files.readString(dir.resolve("intermediate.pem")));
  }

  /** A TLS block with this certificate and key (files in {@code dir}) and {@code more} overrides. */
  private static TlsConfig cfg(String cert, String key, String... more) {
    return TestConfig.with(TestConfig.receiver().grpc().tls(), TestConfig.concat(
        new String[] {set("cert_file", dir.resolve(cert).toString()), set("key_file", dir.resolve(key).toString())}, more));
  }

  private static void assertServes(TlsConfig cfg, Path trusted) throws Exception {
    ReloadingKeyManager km = TlsFiles.keyManager(cfg, Map.of("KEY_PW", "s3cret")::get);
    try (Handshakes h = new Handshakes(km)) {
      X509Certificate seen = h.connect(TlsFiles.trustManager(trusted.toString())).peer();
      assertThat(seen).isEqualTo(Pem.certificates(Path.of(cfg.certFile())).get(0));
    }
  }

  @Test
  void pkcs8Pkcs1AndSec1KeysAreServed() throws Exception {
    for (String key : List.of("rsa-pkcs8.key", "rsa-pkcs1.key", "ec-sec1.key", "ed25519.key")) {
      Path cert = ssl.selfSigned(key, key.replace(".key", ""));
      assertServes(cfg(cert.getFileName().toString(), key), cert);
    }
    assertThat(Files.readString(dir.resolve("ec-sec1.key"))).contains("BEGIN EC PARAMETERS", "BEGIN EC PRIVATE KEY");
    assertThat(Files.readString(dir.resolve("rsa-pkcs1.key"))).contains("BEGIN RSA PRIVATE KEY");
  }

  @Test
  void encryptedKeysWithThePasswordFromAFileOrTheEnvironment() throws Exception {
    Path cert = ssl.selfSigned("ec-sec1.key", "encrypted");
    TlsConfig fromFile = cfg(cert.getFileName().toString(), "ec-enc.key", set("key_password_file", dir.resolve("password.txt").toString()));
    assertServes(fromFile, cert);

    TlsConfig fromEnv = cfg(cert.getFileName().toString(), "ec-legacy-enc.key", "key_password_env=KEY_PW");
    assertServes(fromEnv, cert);
    assertThat(Files.readString(dir.resolve("ec-enc.key"))).contains("BEGIN ENCRYPTED PRIVATE KEY");
  }

  @Test
  void anEncryptedKeyWithoutOrWithAWrongPasswordIsAClearError() throws Exception {
    Path cert = ssl.selfSigned("ec-sec1.key", "encrypted2");
    TlsConfig none = cfg(cert.getFileName().toString(), "ec-enc.key");
    assertThatThrownBy(() -> TlsFiles.keyManager(none))
        .isInstanceOf(GeneralSecurityException.class)
        .hasMessageContaining("encrypted; set key_password_env or key_password_file");

    TlsConfig wrong = cfg(cert.getFileName().toString(), "ec-enc.key", set("key_password_file", dir.resolve("wrong.txt").toString()));
    assertThatThrownBy(() -> TlsFiles.check(wrong, "receivers.otlp.grpc.tls"))
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith("receivers.otlp.grpc.tls.key_file: ")
        .hasMessageContaining("wrong password")
        .hasMessageNotContaining("nope");
  }

  @Test
  void aChainIsServedSoClientsTrustingOnlyTheRootAccept() throws Exception {
    List<X509Certificate> chain = Pem.certificates(dir.resolve("leaf-chain.pem"));
    assertThat(chain).hasSize(2);
    assertThat(chain.get(0).getSubjectX500Principal().getName()).isEqualTo("CN=leaf");

    ReloadingKeyManager km = TlsFiles.keyManager(cfg("leaf-chain.pem", "leaf.key"));
    try (Handshakes h = new Handshakes(km)) {
      Handshakes.Client c = h.connect(TlsFiles.trustManager(dir.resolve("root.pem").toString()));
      assertThat(c.peerChain()).hasSize(2);
    }
  }

  @Test
  void validateChecksTheTlsFilesOfEveryNamedExporter() throws Exception {
    dev.streamfold.config.StreamfoldConfig all = TestConfig.of("receivers.otlp.grpc.enabled=false", "receivers.otlp.http.enabled=false",
        "exporters.file={}", "exporters.otlp/tempo.otlp.endpoint=127.0.0.1:4317",
        set("exporters.otlp/tempo.otlp.tls.ca_file", dir.resolve("ec-sec1.key").toString()));
    assertThatThrownBy(() -> TlsFiles.checkAll(all))
        .hasMessageStartingWith("exporters.otlp/tempo.otlp.tls.ca_file: ")
        .hasMessageContaining("no PEM certificate");
  }

  @Test
  void validateNamesTheKeyAndTheReason() throws Exception {
    Path cert = ssl.selfSigned("rsa-pkcs8.key", "mismatch");
    assertThatThrownBy(() -> TlsFiles.check(cfg(cert.getFileName().toString(), "ec-sec1.key"), "exporter.otlp.tls"))
        .hasMessageStartingWith("exporter.otlp.tls.key_file: ")
        .hasMessageContaining("is not the private key of the certificate");

    Files.writeString(dir.resolve("garbage.pem"), "-----BEGIN CERTIFICATE-----\nnot base64 at all!\n-----END CERTIFICATE-----\n");
    assertThatThrownBy(() -> TlsFiles.check(cfg("garbage.pem", "ec-sec1.key"), "receivers.otlp.http.tls"))
        .hasMessageStartingWith("receivers.otlp.http.tls.cert_file: ");

    TlsConfig ca = TestConfig.with(TestConfig.receiver().grpc().tls(), set("ca_file", dir.resolve("ec-sec1.key").toString()));
    assertThatThrownBy(() -> TlsFiles.check(ca, "exporter.otlp.tls"))
        .hasMessageStartingWith("exporter.otlp.tls.ca_file: ")
        .hasMessageContaining("no PEM certificate");
  }
}
