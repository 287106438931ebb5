package dev.streamfold.receiver;

import dev.streamfold.tls.Pem;
import dev.streamfold.config.TlsConfig;
import java.io.IOException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.util.Collection;
import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;

/**
 * Server-side TLS material loaded from PEM files (read once, at start): the certificate chain
 * and private key from {@code cert_file} / {@code key_file}, and, for mTLS, the CAs trusted for
 * client certificates from {@code client_ca_file}. Keys: unencrypted PKCS#8
 * ({@code BEGIN PRIVATE KEY}, RSA, EC or EdDSA) or PKCS#1 RSA ({@code BEGIN RSA PRIVATE KEY}).
 * Used by both receivers so they accept the same files. Immutable.
 */
final class ServerTls {
  private static final char[] NO_PASSWORD = new char[0];

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
    Collection<? extends Certificate> chain = Pem.certificates(Path.of(cfg.certFile));
    if (chain.isEmpty()) {
      throw new GeneralSecurityException("no certificate in " + cfg.certFile);
    }
    PrivateKey key = Pem.privateKey(Path.of(cfg.keyFile));
    KeyStore ks = KeyStore.getInstance("PKCS12");
    ks.load(null, null);
    ks.setKeyEntry("server", key, NO_PASSWORD, chain.toArray(new Certificate[0]));
    KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
    kmf.init(ks, NO_PASSWORD);

    TrustManager[] trust = null;
    if (!cfg.clientCaFile.isEmpty()) {
      Collection<? extends Certificate> cas = Pem.certificates(Path.of(cfg.clientCaFile));
      if (cas.isEmpty()) {
        throw new GeneralSecurityException("no certificate in " + cfg.clientCaFile);
      }
      KeyStore ts = KeyStore.getInstance("PKCS12");
      ts.load(null, null);
      int i = 0;
      for (Certificate c : cas) {
        ts.setCertificateEntry("client-ca-" + i++, c);
      }
      TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      tmf.init(ts);
      trust = tmf.getTrustManagers();
    }
    return new ServerTls(kmf.getKeyManagers(), trust);
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
