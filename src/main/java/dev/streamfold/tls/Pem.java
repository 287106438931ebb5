package dev.streamfold.tls;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.Provider;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.jce.provider.BouncyCastleProvider;
import org.bouncycastle.openssl.PEMEncryptedKeyPair;
import org.bouncycastle.openssl.PEMException;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.openssl.jcajce.JceOpenSSLPKCS8DecryptorProviderBuilder;
import org.bouncycastle.openssl.jcajce.JcePEMDecryptorProviderBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.pkcs.PKCS8EncryptedPrivateKeyInfo;
import org.bouncycastle.pkcs.PKCSException;

/**
 * The one PEM reader for TLS material, shared by the receivers (server side) and the exporters
 * (client side); parsing is BouncyCastle's. Keys: PKCS#8 ({@code BEGIN PRIVATE KEY}; RSA, EC,
 * EdDSA, RSASSA-PSS), PKCS#1 RSA ({@code BEGIN RSA PRIVATE KEY}), SEC1 EC ({@code BEGIN EC
 * PRIVATE KEY}, with or without the {@code EC PARAMETERS} block {@code openssl ecparam} writes
 * before it), encrypted PKCS#8 ({@code BEGIN ENCRYPTED PRIVATE KEY}, PBES2 or PBES1) and
 * OpenSSL's legacy encrypted PKCS#1/SEC1 ({@code Proc-Type: 4,ENCRYPTED}). Stateless.
 */
public final class Pem {
  /** Only for decrypting keys; never registered as a JCA provider, so it changes nothing else. */
  private static final Provider BC = new BouncyCastleProvider();

  private Pem() {}

  /** Every X.509 certificate of a PEM file, in file order (leaf first for a chain); other blocks are skipped. */
  public static List<X509Certificate> certificates(Path file) throws IOException, GeneralSecurityException {
    List<X509Certificate> certs = new ArrayList<>();
    JcaX509CertificateConverter converter = new JcaX509CertificateConverter();
    try (PEMParser parser = parser(file)) {
      Object o;
      while ((o = read(parser, file)) != null) {
        if (o instanceof X509CertificateHolder h) {
          certs.add(converter.getCertificate(h));
        }
      }
    }
    if (certs.isEmpty()) {
      throw new GeneralSecurityException(file + ": no PEM certificate found");
    }
    return certs;
  }

  /** The private key of an unencrypted PEM file. */
  public static PrivateKey privateKey(Path file) throws IOException, GeneralSecurityException {
    return privateKey(file, null);
  }

  /**
   * The first private key of a PEM file.
   *
   * @param password for an encrypted key; null when none is configured
   */
  public static PrivateKey privateKey(Path file, char[] password) throws IOException, GeneralSecurityException {
    JcaPEMKeyConverter converter = new JcaPEMKeyConverter();
    try (PEMParser parser = parser(file)) {
      Object o;
      while ((o = read(parser, file)) != null) {
        if (o instanceof PrivateKeyInfo info) {
          return converter.getPrivateKey(info);
        }
        if (o instanceof PEMKeyPair pair) {
          return converter.getKeyPair(pair).getPrivate();
        }
        if (o instanceof PKCS8EncryptedPrivateKeyInfo enc) {
          return converter.getPrivateKey(decrypt(enc, needPassword(file, password), file));
        }
        if (o instanceof PEMEncryptedKeyPair enc) {
          try {
            PEMKeyPair pair = enc.decryptKeyPair(
                new JcePEMDecryptorProviderBuilder().setProvider(BC).build(needPassword(file, password)));
            return converter.getKeyPair(pair).getPrivate();
          } catch (PEMException | IllegalArgumentException e) {
            throw new GeneralSecurityException(file + ": cannot decrypt the private key (wrong password?)");
          }
        }
        // EC PARAMETERS, certificates, ... before the key: skip
      }
    }
    throw new GeneralSecurityException(file + ": no PEM private key found");
  }

  private static PrivateKeyInfo decrypt(PKCS8EncryptedPrivateKeyInfo enc, char[] password, Path file)
      throws GeneralSecurityException {
    try {
      return enc.decryptPrivateKeyInfo(
          new JceOpenSSLPKCS8DecryptorProviderBuilder().setProvider(BC).build(password));
    } catch (OperatorCreationException e) {
      throw new GeneralSecurityException(file + ": unsupported key encryption: " + e.getMessage());
    } catch (PKCSException | IllegalArgumentException e) {
      throw new GeneralSecurityException(file + ": cannot decrypt the private key (wrong password?)");
    }
  }

  private static char[] needPassword(Path file, char[] password) throws GeneralSecurityException {
    if (password == null) {
      throw new GeneralSecurityException(
          file + ": the private key is encrypted; set key_password_env or key_password_file");
    }
    return password;
  }

  private static PEMParser parser(Path file) throws IOException {
    Reader r = Files.newBufferedReader(file, StandardCharsets.US_ASCII);
    return new PEMParser(r);
  }

  private static Object read(PEMParser parser, Path file) throws IOException {
    try {
      return parser.readObject();
    } catch (IOException | IllegalArgumentException | IllegalStateException e) {
      throw new IOException(file + ": malformed PEM: " + e.getMessage(), e);
    }
  }
}
