package dev.streamfold.receiver;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A throw-away PKI generated with the {@code openssl} CLI: a CA, a server certificate for
 * localhost / 127.0.0.1, a client certificate, both signed by the CA, and an unrelated
 * self-signed client certificate. Keys are PKCS#8 PEM; {@link #serverKeyPkcs1} is the server
 * key in the traditional PKCS#1 form.
 */
final class TestCerts {
  final Path dir;
  final Path caCert;
  final Path serverCert;
  final Path serverKey;
  final Path serverKeyPkcs1;
  final Path clientCert;
  final Path clientKey;
  final Path rogueCert;
  final Path rogueKey;

  private TestCerts(Path dir) {
    this.dir = dir;
    this.caCert = dir.resolve("ca.pem");
    this.serverCert = dir.resolve("server.pem");
    this.serverKey = dir.resolve("server.key");
    this.serverKeyPkcs1 = dir.resolve("server-pkcs1.key");
    this.clientCert = dir.resolve("client.pem");
    this.clientKey = dir.resolve("client.key");
    this.rogueCert = dir.resolve("rogue.pem");
    this.rogueKey = dir.resolve("rogue.key");
  }

  static TestCerts generate(Path dir) throws IOException, InterruptedException {
    TestCerts c = new TestCerts(dir);
    Files.writeString(dir.resolve("server.ext"),
        "subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n");
    Files.writeString(dir.resolve("client.ext"), "extendedKeyUsage=clientAuth\n");
    c.openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.pem",
        "-days", "2", "-subj", "/CN=streamfold-test-ca");
    c.signed("server", "localhost");
    c.signed("client", "streamfold-test-client");
    c.openssl("rsa", "-in", "server.key", "-traditional", "-out", "server-pkcs1.key");
    c.openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "rogue.key", "-out", "rogue.pem",
        "-days", "2", "-subj", "/CN=rogue");
    return c;
  }

  private void signed(String name, String cn) throws IOException, InterruptedException {
    openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", name + ".key", "-out", name + ".csr",
        "-subj", "/CN=" + cn);
    openssl("x509", "-req", "-in", name + ".csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
        "-out", name + ".pem", "-days", "2", "-extfile", name + ".ext");
  }

  private void openssl(String... args) throws IOException, InterruptedException {
    new dev.streamfold.tls.Openssl(dir).run(args);
  }

  static byte[] read(Path p) throws IOException {
    return Files.readAllBytes(p);
  }
}
