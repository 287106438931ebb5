package dev.streamfold.tls;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;
import java.util.Collection;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Reads TLS material from PEM files, for the receivers (server side) and the exporters (client side). Stateless. */
public final class Pem {
  private static final Pattern PEM =
      Pattern.compile("-----BEGIN ([A-Z0-9 ]+)-----([A-Za-z0-9+/=\\s]+)-----END \\1-----");

  private Pem() {}

  /** Every X.509 certificate in a PEM (or DER) file. */
  public static Collection<? extends Certificate> certificates(Path file)
      throws IOException, GeneralSecurityException {
    try (InputStream in = Files.newInputStream(file)) {
      return CertificateFactory.getInstance("X.509").generateCertificates(in);
    }
  }
  /**
   * The private key of a PEM file: PKCS#8 ({@code BEGIN PRIVATE KEY}: RSA, EC, EdDSA, RSASSA-PSS)
   * or PKCS#1 RSA ({@code BEGIN RSA PRIVATE KEY}); encrypted and SEC1 EC keys are refused with a
   * hint.
   */
  public static PrivateKey privateKey(Path file) throws IOException, GeneralSecurityException {
    String text = Files.readString(file, StandardCharsets.US_ASCII);
    Matcher m = PEM.matcher(text);
    while (m.find()) {
      String type = m.group(1);
      byte[] der = Base64.getMimeDecoder().decode(m.group(2));
      switch (type) {
        case "PRIVATE KEY":
          return pkcs8(der, file);
        case "RSA PRIVATE KEY":
          return KeyFactory.getInstance("RSA").generatePrivate(new PKCS8EncodedKeySpec(wrapPkcs1Rsa(der)));
        case "ENCRYPTED PRIVATE KEY":
          throw new GeneralSecurityException(file + ": encrypted private keys are not supported");
        case "EC PRIVATE KEY":
          throw new GeneralSecurityException(
              file + ": SEC1 EC keys are not supported; convert with `openssl pkcs8 -topk8 -nocrypt`");
        default:
          // e.g. EC PARAMETERS before the key: skip
      }
    }
    throw new GeneralSecurityException(file + ": no PEM private key found");
  }
  private static PrivateKey pkcs8(byte[] der, Path file) throws GeneralSecurityException {
    PKCS8EncodedKeySpec spec = new PKCS8EncodedKeySpec(der);
    for (String alg : new String[] {"RSA", "EC", "Ed25519", "Ed448", "RSASSA-PSS"}) {
      try {
        return KeyFactory.getInstance(alg).generatePrivate(spec);
      } catch (GeneralSecurityException | IllegalArgumentException e) {
        // try the next algorithm
      }
    }
    throw new GeneralSecurityException(file + ": unsupported private key algorithm");
  }

  /** PKCS#1 RSAPrivateKey DER wrapped into a PKCS#8 PrivateKeyInfo. */
  private static byte[] wrapPkcs1Rsa(byte[] pkcs1) {
    byte[] version = {0x02, 0x01, 0x00};
    // SEQUENCE { OID 1.2.840.113549.1.1.1 (rsaEncryption), NULL }
    byte[] algorithm = {
      0x30, 0x0d, 0x06, 0x09, 0x2a, (byte) 0x86, 0x48, (byte) 0x86, (byte) 0xf7, 0x0d, 0x01, 0x01, 0x01, 0x05, 0x00
    };
    ByteArrayOutputStream body = new ByteArrayOutputStream(pkcs1.length + 32);
    body.writeBytes(version);
    body.writeBytes(algorithm);
    body.write(0x04);
    writeLength(body, pkcs1.length);
    body.writeBytes(pkcs1);
    ByteArrayOutputStream out = new ByteArrayOutputStream(body.size() + 8);
    out.write(0x30);
    writeLength(out, body.size());
    out.writeBytes(body.toByteArray());
    return out.toByteArray();
  }
  private static void writeLength(ByteArrayOutputStream out, int length) {
    if (length < 0x80) {
      out.write(length);
      return;
    }
    int bytes = (32 - Integer.numberOfLeadingZeros(length) + 7) / 8;
    out.write(0x80 | bytes);
    for (int i = bytes - 1; i >= 0; i--) {
      out.write((length >>> (8 * i)) & 0xff);
    }
  }
}
