package dev.streamfold.tls;

import static dev.streamfold.config.TestConfig.set;
import static org.assertj.core.api.Assertions.assertThat;

import dev.streamfold.config.TestConfig;
import dev.streamfold.config.TlsConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Certificates rotated on disk (as cert-manager does through a secret volume) are served to new
 * handshakes, established connections keep working, and a half-done rotation is not served.
 */
class ReloadTest {
  @TempDir Path dir;

  /** A CA and two leaves signed by it, "first" in place as tls.crt / tls.key. */
  private Openssl twoLeaves() throws Exception {
    Openssl ssl = new Openssl(dir);
    ssl.ca("ca", null);
    ssl.leaf("first", "ca");
    ssl.leaf("second", "ca");
    ssl.replace("first.pem", "tls.crt");
    ssl.replace("first.key", "tls.key");
    return ssl;
  }

  private TlsConfig servedFromTlsCrt() {
    TlsConfig cfg = TestConfig.receiver().grpc().tls();
    cfg = TestConfig.with(cfg, set("cert_file", dir.resolve("tls.crt").toString()), set("key_file", dir.resolve("tls.key").toString()));
    return cfg;
  }

  @Test
  void newHandshakesSeeTheNewCertificateAndEstablishedConnectionsStay() throws Exception {
    Openssl ssl = twoLeaves();
    TlsConfig cfg = servedFromTlsCrt();
    ReloadingTrustManager trust = TlsFiles.trustManager(dir.resolve("ca.pem").toString());

    try (Handshakes server = new Handshakes(TlsFiles.keyManager(cfg))) {
      Handshakes.Client before = server.connect(trust);
      assertThat(before.peer().getSubjectX500Principal().getName()).isEqualTo("CN=first");

      ssl.replace("second.pem", "tls.crt");
      ssl.replace("second.key", "tls.key");
      Handshakes.Client after = server.connect(trust);

      assertThat(after.peer().getSubjectX500Principal().getName()).isEqualTo("CN=second");
      assertThat(before.echo("still here")).isEqualTo("still here");
      assertThat(before.peer().getSubjectX500Principal().getName()).isEqualTo("CN=first");
    }
  }

  @Test
  void aHalfDoneRotationKeepsServingThePreviousPairUntilTheKeyArrives() throws Exception {
    Openssl ssl = twoLeaves();
    TlsConfig cfg = servedFromTlsCrt();
    ReloadingKeyManager km = TlsFiles.keyManager(cfg);

    ssl.replace("second.pem", "tls.crt"); // the key is still first's
    assertThat(km.currentCertificate().getSubjectX500Principal().getName()).isEqualTo("CN=first");
    Files.writeString(dir.resolve("broken"), "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n");
    ssl.replace("broken", "tls.key");
    assertThat(km.currentCertificate().getSubjectX500Principal().getName()).isEqualTo("CN=first");

    ssl.replace("second.key", "tls.key");
    assertThat(km.currentCertificate().getSubjectX500Principal().getName()).isEqualTo("CN=second");
  }

  @Test
  void aRotatedCaFileIsTrustedForTheNextCheck() throws Exception {
    Openssl ssl = new Openssl(dir);
    ssl.ca("old", null);
    ssl.ca("new", null);
    ssl.leaf("server", "new");
    ssl.replace("old.pem", "ca.pem");
    ReloadingTrustManager trust = TlsFiles.trustManager(dir.resolve("ca.pem").toString());
    TlsConfig cfg = TestConfig.receiver().grpc().tls();
    cfg = TestConfig.with(cfg, set("cert_file", dir.resolve("server.pem").toString()), set("key_file", dir.resolve("server.key").toString()));

    try (Handshakes server = new Handshakes(TlsFiles.keyManager(cfg))) {
      org.assertj.core.api.Assertions.assertThatThrownBy(() -> server.connect(trust))
          .isInstanceOf(javax.net.ssl.SSLHandshakeException.class);
      ssl.replace("new.pem", "ca.pem");
      assertThat(server.connect(trust).peer().getSubjectX500Principal().getName()).isEqualTo("CN=server");
    }
  }
}
