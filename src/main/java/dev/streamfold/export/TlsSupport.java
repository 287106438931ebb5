package dev.streamfold.export;

import dev.streamfold.config.TlsConfig;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.InvalidKeySpecException;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
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
  private static final Pattern PEM =
      Pattern.compile("-----BEGIN ([A-Z ]+)-----([A-Za-z0-9+/=\\s]+)-----END \\1-----");

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
    Collection<? extends Certificate> certs = readCertificates(Path.of(tls.caFile));
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
    List<Certificate> chain = new ArrayList<>(readCertificates(Path.of(tls.certFile)));
    if (chain.isEmpty()) {
      throw new GeneralSecurityException("no certificate in cert_file " + tls.certFile);
    }
    PrivateKey key = readPrivateKey(Path.of(tls.keyFile));
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

  static Collection<? extends Certificate> readCertificates(Path file) throws IOException, GeneralSecurityException {
    try (InputStream in = Files.newInputStream(file)) {
      return CertificateFactory.getInstance("X.509").generateCertificates(in);
    }
  }

  static PrivateKey readPrivateKey(Path file) throws IOException, GeneralSecurityException {
    String text = Files.readString(file, StandardCharsets.US_ASCII);
    Matcher m = PEM.matcher(text);
    while (m.find()) {
      String type = m.group(1);
      byte[] der = Base64.getMimeDecoder().decode(m.group(2).getBytes(StandardCharsets.US_ASCII));
      if (type.equals("PRIVATE KEY")) {
        return pkcs8(der);
      }
      if (type.equals("RSA PRIVATE KEY")) {
        return KeyFactory.getInstance("RSA").generatePrivate(new PKCS8EncodedKeySpec(wrapPkcs1Rsa(der)));
      }
    }
    throw new GeneralSecurityException(
        "key_file " + file + ": no PEM 'PRIVATE KEY' (PKCS#8) or 'RSA PRIVATE KEY' block found");
  }

  private static PrivateKey pkcs8(byte[] der) throws GeneralSecurityException {
    PKCS8EncodedKeySpec spec = new PKCS8EncodedKeySpec(der);
    GeneralSecurityException last = null;
    for (String alg : new String[] {"RSA", "EC", "Ed25519", "Ed448"}) {
      try {
        return KeyFactory.getInstance(alg).generatePrivate(spec);
      } catch (InvalidKeySpecException e) {
        last = e;
      }
    }
    throw new GeneralSecurityException("unsupported private key algorithm", last);
  }

  /** PKCS#1 RSAPrivateKey inside a PKCS#8 PrivateKeyInfo (version 0, rsaEncryption, NULL params). */
  private static byte[] wrapPkcs1Rsa(byte[] pkcs1) {
    byte[] algId = {0x30, 0x0d, 0x06, 0x09, 0x2a, (byte) 0x86, 0x48, (byte) 0x86, (byte) 0xf7, 0x0d, 0x01, 0x01, 0x01, 0x05, 0x00};
    byte[] version = {0x02, 0x01, 0x00};
    byte[] octet = der(0x04, pkcs1);
    byte[] body = new byte[version.length + algId.length + octet.length];
    System.arraycopy(version, 0, body, 0, version.length);
    System.arraycopy(algId, 0, body, version.length, algId.length);
    System.arraycopy(octet, 0, body, version.length + algId.length, octet.length);
    return der(0x30, body);
  }

  private static byte[] der(int tag, byte[] content) {
    int len = content.length;
    byte[] lenBytes;
    if (len < 0x80) {
      lenBytes = new byte[] {(byte) len};
    } else {
      int n = len > 0xffffff ? 4 : len > 0xffff ? 3 : len > 0xff ? 2 : 1;
      lenBytes = new byte[n + 1];
      lenBytes[0] = (byte) (0x80 | n);
      for (int i = 0; i < n; i++) {
        lenBytes[n - i] = (byte) (len >>> (8 * i));
      }
    }
    byte[] out = new byte[1 + lenBytes.length + len];
    out[0] = (byte) tag;
    System.arraycopy(lenBytes, 0, out, 1, lenBytes.length);
    System.arraycopy(content, 0, out, 1 + lenBytes.length, len);
    return out;
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
