package dev.streamfold.export;

import dev.streamfold.tls.TlsFiles;
import dev.streamfold.config.TlsConfig;
import java.io.IOException;
import java.net.Socket;
import java.security.GeneralSecurityException;
import java.security.cert.X509Certificate;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * Client-side TLS material from {@link TlsConfig} PEM files: {@code ca_file} (one or more
 * certificates) replaces the system trust store, {@code cert_file} + {@code key_file} present
 * a client certificate (every key format {@link dev.streamfold.tls.Pem} reads), both re-read
 * when their files change ({@link TlsFiles}); {@code insecure_skip_verify} trusts any server
 * certificate and host name. Stateless.
 */
final class TlsSupport {

  private TlsSupport() {}

  /** TLS is used when {@code tls.insecure} is false or the endpoint is an https URL. */
  static boolean enabled(TlsConfig tls, String endpoint) {
    return !tls.insecure() || endpoint.startsWith("https://");
  }

  /** Trust managers, or {@code null} for the JVM's default trust store. */
  static TrustManager[] trustManagers(TlsConfig tls) throws IOException, GeneralSecurityException {
    if (tls.insecureSkipVerify()) {
      return new TrustManager[] {new TrustAll()};
    }
    return tls.caFile().isEmpty() ? null : new TrustManager[] {TlsFiles.trustManager(tls.caFile())};
  }

  /** Key managers presenting the client certificate, or {@code null} when none is configured. */
  static KeyManager[] keyManagers(TlsConfig tls) throws IOException, GeneralSecurityException {
    return tls.certFile().isEmpty() ? null : new KeyManager[] {TlsFiles.keyManager(tls)};
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
