package dev.streamfold.receiver;

import dev.streamfold.config.AuthConfig;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.function.Function;

/**
 * Optional bearer-token check shared by both receivers. The token is read once, at
 * construction, from the environment variable or file named in {@link AuthConfig}; only its
 * SHA-256 digest is kept, and presented tokens are hashed and compared with
 * {@link MessageDigest#isEqual} so the comparison time does not depend on where they differ or
 * on the token's length. The token is never logged. Immutable and thread-safe.
 */
final class BearerAuth {
  private static final String SCHEME = "bearer ";
  private static final BearerAuth DISABLED = new BearerAuth(null);

  private final byte[] expectedDigest;

  private BearerAuth(byte[] expectedDigest) {
    this.expectedDigest = expectedDigest;
  }

  static BearerAuth disabled() {
    return DISABLED;
  }

  static BearerAuth fromConfig(AuthConfig cfg) throws IOException {
    return fromConfig(cfg, System::getenv);
  }

  /**
   * @throws IOException when the token file cannot be read
   * @throws IllegalStateException when the variable is unset or the token is empty
   */
  static BearerAuth fromConfig(AuthConfig cfg, Function<String, String> env) throws IOException {
    if (cfg == null || !cfg.enabled()) {
      return DISABLED;
    }
    String token;
    if (!cfg.bearerTokenEnv().isEmpty()) {
      token = env.apply(cfg.bearerTokenEnv());
      if (token == null) {
        throw new IllegalStateException("environment variable " + cfg.bearerTokenEnv() + " is not set");
      }
    } else {
      token = Files.readString(Path.of(cfg.bearerTokenFile()), StandardCharsets.UTF_8);
    }
    token = token.strip();
    if (token.isEmpty()) {
      throw new IllegalStateException("the configured bearer token is empty");
    }
    return new BearerAuth(sha256(token));
  }

  boolean enabled() {
    return expectedDigest != null;
  }

  /**
   * @param authorization the {@code Authorization} header / metadata value, may be null
   * @return true when auth is disabled or the value is {@code Bearer <token>} with the right token
   */
  boolean allows(String authorization) {
    if (expectedDigest == null) {
      return true;
    }
    if (authorization == null || authorization.length() <= SCHEME.length()
        || !authorization.regionMatches(true, 0, SCHEME, 0, SCHEME.length())) {
      return false;
    }
    String presented = authorization.substring(SCHEME.length()).strip();
    return MessageDigest.isEqual(expectedDigest, sha256(presented));
  }

  private static byte[] sha256(String s) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 missing from the JDK", e);
    }
  }

  @Override
  public String toString() {
    return enabled() ? "BearerAuth[enabled]" : "BearerAuth[disabled]";
  }
}
