package dev.streamfold.export;

import dev.streamfold.tls.Pem;
import dev.streamfold.config.TlsConfig;
import java.io.IOException;
import java.net.Socket;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * Client-side TLS material from {@link TlsConfig} PEM files: {@code ca_file} (one or more
 * certificates) replaces the system trust store, {@code cert_file} + {@code key_file} present
 * a client certificate (key in PKCS#8 {@code BEGIN PRIVATE KEY}, RSA, EC or EdDSA, or PKCS#1
 * {@code BEGIN RSA PRIVATE KEY}), {@code insecure_skip_verify} trusts any server certificate
 * and host name. Stateless.
 */
final class TlsSupport {

  private TlsSupport() {}

  /** TLS is used when {@code tls.insecure} is false or the endpoint is an https URL. */
  static boolean enabled(TlsConfig tls, String endpoint) {
    return !tls.insecure || endpoint.startsWith("https://");
  }

  /** Trust managers, or {@code null} for the JVM's default trust store. */
  static TrustManager[] trustManagers(TlsConfig tls) throws IOException, GeneralSecurityException {
    if (tls.insecureSkipVerify) {
      return new TrustManager[] {new TrustAll()};
    }
    if (tls.caFile.isEmpty()) {
      return null;
    }
    Collection<? extends Certificate> certs = Pem.certificates(Path.of(tls.caFile));
    if (certs.isEmpty()) {
      throw new GeneralSecurityException("no certificate in ca_file " + tls.caFile);
    }
    KeyStore ks = KeyStore.getInstance(KeyStore.getDefaultType());
    ks.load(null, null);
    int i = 0;
    for (Certificate c : certs) {
      ks.setCertificateEntry("ca-" + i++, c);
    }
    TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(ks);
    return tmf.getTrustManagers();
  }

  /** Key managers presenting the client certificate, or {@code null} when none is configured. */
  static KeyManager[] keyManagers(TlsConfig tls) throws IOException, GeneralSecurityException {
    if (tls.certFile.isEmpty()) {
      return null;
    }
    List<Certificate> chain = new ArrayList<>(Pem.certificates(Path.of(tls.certFile)));
    if (chain.isEmpty()) {
      throw new GeneralSecurityException("no certificate in cert_file " + tls.certFile);
    }
    PrivateKey key = Pem.privateKey(Path.of(tls.keyFile));
    char[] pw = new char[0];
    KeyStore ks = KeyStore.getInstance("PKCS12");
    ks.load(null, null);
    ks.setKeyEntry("client", key, pw, chain.toArray(new Certificate[0]));
    KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
    kmf.init(ks, pw);
    return kmf.getKeyManagers();
  }

  static SSLContext sslContext(TlsConfig tls) throws IOException, GeneralSecurityException {
    SSLContext ctx = SSLContext.getInstance("TLS");
    ctx.init(keyManagers(tls), trustManagers(tls), null);
    return ctx;
  }





  /** Accepts every server certificate and host name ({@code insecure_skip_verify}). */
  private static final class TrustAll extends X509ExtendedTrustManager {
    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) {}

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) {}

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {}

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {}

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) {}

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) {}

    @Override
    public X509Certificate[] getAcceptedIssuers() {
      return new X509Certificate[0];
    }
  }
}
