package dev.streamfold.tls;

import dev.streamfold.config.ConfigException;
import dev.streamfold.config.TlsConfig;
import java.io.IOException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * TLS material from a {@link TlsConfig}'s PEM files, for receivers and exporters alike: a
 * reloading key manager for {@code cert_file} + {@code key_file} (+ password) and reloading
 * trust managers for a CA file. {@link #check} loads everything once, for {@code validate}.
 * Stateless.
 */
public final class TlsFiles {
  private TlsFiles() {}

  /** The certificate chain and key of {@code cfg}, reloaded when the files change; requires cert_file and key_file. */
  public static ReloadingKeyManager keyManager(TlsConfig cfg) throws IOException, GeneralSecurityException {
    return keyManager(cfg, System::getenv);
  }

  static ReloadingKeyManager keyManager(TlsConfig cfg, Function<String, String> env) throws IOException, GeneralSecurityException {
    Path cert = Path.of(cfg.certFile());
    Path key = Path.of(cfg.keyFile());
    KeyPassword password = KeyPassword.of(cfg, env);
    List<Path> files = new ArrayList<>(List.of(cert, key));
    files.addAll(password.files());
    return new ReloadingKeyManager(Reloadable.load(
        "cert_file " + cfg.certFile() + ", key_file " + cfg.keyFile(), files, () -> KeyMaterial.load(cert, key, password)));
  }

  /** Trusts the CA certificates of {@code caFile}, reloaded when the file changes. */
  public static ReloadingTrustManager trustManager(String caFile) throws IOException, GeneralSecurityException {
    Path file = Path.of(caFile);
    return new ReloadingTrustManager(Reloadable.load("CA file " + caFile, List.of(file), () -> trustAll(file)));
  }

  private static X509ExtendedTrustManager trustAll(Path caFile) throws IOException, GeneralSecurityException {
    List<X509Certificate> certs = Pem.certificates(caFile);
    KeyStore ks = KeyStore.getInstance("PKCS12");
    ks.load(null, null);
    int i = 0;
    for (X509Certificate c : certs) {
      ks.setCertificateEntry("ca-" + i++, c);
    }
    TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(ks);
    for (TrustManager tm : tmf.getTrustManagers()) {
      if (tm instanceof X509ExtendedTrustManager x) {
        return x;
      }
    }
    throw new GeneralSecurityException("no X509 trust manager available");
  }

  /** {@link #check} for every TLS section that is in use: both receivers and every OTLP exporter. */
  public static void checkAll(dev.streamfold.config.StreamfoldConfig cfg) throws ConfigException {
    var otlp = cfg.receivers().otlp();
    if (otlp.grpc().enabled()) {
      check(otlp.grpc().tls(), "receivers.otlp.grpc.tls");
    }
    if (otlp.http().enabled()) {
      check(otlp.http().tls(), "receivers.otlp.http.tls");
    }
    if (cfg.exporters().isEmpty()) {
      if (cfg.exporter().isOtlp()) {
        check(cfg.exporter().otlp().tls(), "exporter.otlp.tls");
      }
      return;
    }
    for (var e : cfg.exportersByName().entrySet()) {
      if (e.getValue().isOtlp()) {
        check(e.getValue().otlp().tls(), "exporters." + e.getKey() + ".otlp.tls");
      }
    }
  }

  /**
   * Loads every file {@code cfg} names, as start-up would: certificates parse, the key parses
   * (decrypted when a password is set) and belongs to the certificate, CA files hold certificates.
   *
   * @param path the config path of {@code cfg}, e.g. {@code receivers.otlp.grpc.tls}
   * @throws ConfigException naming the key and the reason
   */
  public static void check(TlsConfig cfg, String path) throws ConfigException {
    if (!cfg.certFile().isEmpty()) {
      try {
        Pem.certificates(Path.of(cfg.certFile()));
      } catch (IOException | GeneralSecurityException e) {
        throw new ConfigException(path + ".cert_file", String.valueOf(e.getMessage()));
      }
      try {
        keyManager(cfg);
      } catch (IOException | GeneralSecurityException e) {
        throw new ConfigException(path + ".key_file", String.valueOf(e.getMessage()));
      }
    }
    for (String[] f : new String[][] {{"ca_file", cfg.caFile()}, {"client_ca_file", cfg.clientCaFile()}}) {
      if (!f[1].isEmpty()) {
        try {
          trustManager(f[1]);
        } catch (IOException | GeneralSecurityException e) {
          throw new ConfigException(path + "." + f[0], String.valueOf(e.getMessage()));
        }
      }
    }
  }
}
