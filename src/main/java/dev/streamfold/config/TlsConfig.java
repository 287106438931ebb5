package dev.streamfold.config;

/**
 * TLS settings. On a receiver: {@code cert_file} + {@code key_file} enable TLS,
 * {@code client_ca_file} additionally requires client certificates (mTLS). On an exporter:
 * {@code insecure: false} uses TLS, {@code ca_file} trusts a private CA, cert/key present a
 * client certificate.
 */
public final class TlsConfig {
  public boolean insecure = true;
  public String certFile = "";
  public String keyFile = "";
  public String caFile = "";
  public String clientCaFile = "";
  public boolean insecureSkipVerify = false;

  public boolean serverEnabled() {
    return !certFile.isEmpty();
  }

  void validate(Validator v) {
    v.check(certFile.isEmpty() == keyFile.isEmpty(), "key_file", "cert_file and key_file must be set together");
    v.check(clientCaFile.isEmpty() || !certFile.isEmpty(), "client_ca_file", "requires cert_file and key_file");
    for (String[] f : new String[][] {{"cert_file", certFile}, {"key_file", keyFile}, {"ca_file", caFile}, {"client_ca_file", clientCaFile}}) {
      v.check(f[1].isEmpty() || java.nio.file.Files.isReadable(java.nio.file.Path.of(f[1])), f[0], "file not readable: " + f[1]);
    }
  }
}
