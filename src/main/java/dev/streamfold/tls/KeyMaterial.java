package dev.streamfold.tls;

import java.io.IOException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.Arrays;
import java.util.List;
import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.X509ExtendedKeyManager;

/**
 * A certificate chain (leaf first) and the private key of its leaf, read from PEM files and
 * checked to belong together, so that a half-replaced pair (new certificate, old key) is
 * refused instead of served; {@code manager} is a JSSE key manager serving them. Immutable.
 */
record KeyMaterial(List<X509Certificate> chain, PrivateKey key, X509ExtendedKeyManager manager) {
  private static final char[] NO_PASSWORD = new char[0];
  private static final byte[] PROBE = "streamfold key pair check".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

  static KeyMaterial load(Path certFile, Path keyFile, KeyPassword password) throws IOException, GeneralSecurityException {
    List<X509Certificate> chain = Pem.certificates(certFile);
    char[] pw = password.read();
    PrivateKey key;
    try {
      key = Pem.privateKey(keyFile, pw);
    } finally {
      if (pw != null) {
        Arrays.fill(pw, '\0');
      }
    }
    checkPair(chain.get(0).getPublicKey(), key, certFile, keyFile);
    return new KeyMaterial(List.copyOf(chain), key, keyManager(chain, key));
  }

  /** Signs a probe with the key and verifies it with the certificate's public key. */
  private static void checkPair(PublicKey pub, PrivateKey key, Path certFile, Path keyFile) throws GeneralSecurityException {
    String alg =
        switch (pub.getAlgorithm()) {
          case "RSA" -> "SHA256withRSA";
          case "EC" -> "SHA256withECDSA";
          case "Ed25519", "Ed448", "EdDSA" -> pub.getAlgorithm();
          default -> null; // e.g. RSASSA-PSS needs parameters: the handshake will tell
        };
    if (alg == null) {
      return;
    }
    boolean ok;
    try {
      Signature s = Signature.getInstance(alg);
      s.initSign(key);
      s.update(PROBE);
      byte[] sig = s.sign();
      s.initVerify(pub);
      s.update(PROBE);
      ok = s.verify(sig);
    } catch (java.security.InvalidKeyException e) {
      ok = false;
    }
    if (!ok) {
      throw new GeneralSecurityException(keyFile + " is not the private key of the certificate in " + certFile);
    }
  }

  /** A JSSE key manager serving this chain and key. */
  private static X509ExtendedKeyManager keyManager(List<X509Certificate> chain, PrivateKey key) throws GeneralSecurityException {
    KeyStore ks = KeyStore.getInstance("PKCS12");
    try {
      ks.load(null, null);
    } catch (IOException e) {
      throw new GeneralSecurityException(e);
    }
    ks.setKeyEntry("key", key, NO_PASSWORD, chain.toArray(new Certificate[0]));
    KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
    kmf.init(ks, NO_PASSWORD);
    for (KeyManager km : kmf.getKeyManagers()) {
      if (km instanceof X509ExtendedKeyManager x) {
        return x;
      }
    }
    throw new GeneralSecurityException("no X509 key manager available");
  }
}
