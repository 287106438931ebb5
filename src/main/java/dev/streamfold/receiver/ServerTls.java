package dev.streamfold.receiver;

import dev.streamfold.tls.Pem;
import dev.streamfold.tls.TlsFiles;
import dev.streamfold.config.TlsConfig;
import java.io.IOException;
import java.security.GeneralSecurityException;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;

/**
 * Server-side TLS material from PEM files: the certificate chain and private key from
 * {@code cert_file} / {@code key_file} (PKCS#8, PKCS#1, SEC1, encrypted with
 * {@code key_password_env} / {@code key_password_file}; see {@link Pem}), and, for mTLS, the CAs
 * trusted for client certificates from {@code client_ca_file}. All of them are re-read when
 * their files change ({@link TlsFiles}): new handshakes see the new certificate, established
 * connections are untouched. Used by both receivers so they accept the same files. Immutable.
 */
final class ServerTls {
  private final KeyManager[] keyManagers;
  private final TrustManager[] clientTrustManagers;

  private ServerTls(KeyManager[] keyManagers, TrustManager[] clientTrustManagers) {
    this.keyManagers = keyManagers;
    this.clientTrustManagers = clientTrustManagers;
  }

  /** @return null when {@code cfg} does not enable server TLS */
  static ServerTls load(TlsConfig cfg) throws IOException, GeneralSecurityException {
    if (cfg == null || !cfg.serverEnabled()) {
      return null;
    }
    KeyManager[] keys = {TlsFiles.keyManager(cfg)};
    TrustManager[] trust = cfg.clientCaFile().isEmpty() ? null : new TrustManager[] {TlsFiles.trustManager(cfg.clientCaFile())};
    return new ServerTls(keys, trust);
  }

  KeyManager[] keyManagers() {
    return keyManagers.clone();
  }

  /** Trust managers for client certificates; null when client certificates are not required. */
  TrustManager[] clientTrustManagers() {
    return clientTrustManagers == null ? null : clientTrustManagers.clone();
  }

  boolean requireClientAuth() {
    return clientTrustManagers != null;
  }

  SSLContext sslContext() throws GeneralSecurityException {
    SSLContext ctx = SSLContext.getInstance("TLS");
    ctx.init(keyManagers, clientTrustManagers, null);
    return ctx;
  }
}
