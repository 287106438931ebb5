package dev.streamfold.config;

/**
 * TLS settings. On a receiver: {@code cert_file} + {@code key_file} enable TLS,
 * {@code client_ca_file} additionally requires client certificates (mTLS). On an exporter:
 * {@code insecure: false} uses TLS, {@code ca_file} trusts a private CA, cert/key present a
 * client certificate. An encrypted {@code key_file} is decrypted with the password in the
 * environment variable {@code key_password_env} or the file {@code key_password_file}. The
 * files are re-read when they change (see {@code tls.ReloadingKeyManager}).
 */
public record TlsConfig(
    boolean insecure,
    String certFile,
    String keyFile,
    String caFile,
    String clientCaFile,
    boolean insecureSkipVerify,
    String keyPasswordEnv,
    String keyPasswordFile) {
  public boolean serverEnabled() {
    return !certFile.isEmpty();
  }

  void validate(Validator v) {
    v.check(certFile.isEmpty() == keyFile.isEmpty(), "key_file", "cert_file and key_file must be set together");
    v.check(clientCaFile.isEmpty() || !certFile.isEmpty(), "client_ca_file", "requires cert_file and key_file");
    v.check(keyPasswordEnv.isEmpty() || keyPasswordFile.isEmpty(), "key_password_file", "set key_password_env or key_password_file, not both");
    v.check((keyPasswordEnv.isEmpty() && keyPasswordFile.isEmpty()) || !keyFile.isEmpty(), "key_password_env", "requires key_file");
    for (String[] f : new String[][] {{"cert_file", certFile}, {"key_file", keyFile}, {"ca_file", caFile}, {"client_ca_file", clientCaFile}, {"key_password_file", keyPasswordFile}}) {
      v.check(f[1].isEmpty() || java.nio.file.Files.isReadable(java.nio.file.Path.of(f[1])), f[0], "file not readable: " + f[1]);
    }
  }
}
