package dev.streamfold.config;

/**
 * Optional bearer-token auth on both receivers. The token comes from an environment variable
 * ({@code bearer_token_env}) or a file ({@code bearer_token_file}); it is never logged.
 */
public record AuthConfig(String bearerTokenEnv, String bearerTokenFile) {
  public boolean enabled() {
    return !bearerTokenEnv.isEmpty() || !bearerTokenFile.isEmpty();
  }

  void validate(Validator v) {
    v.check(bearerTokenEnv.isEmpty() || bearerTokenFile.isEmpty(), "bearer_token_file", "set bearer_token_env or bearer_token_file, not both");
    if (!bearerTokenEnv.isEmpty()) {
      String t = System.getenv(bearerTokenEnv);
      v.check(t != null && !t.isBlank(), "bearer_token_env", "environment variable " + bearerTokenEnv + " is not set or empty");
    }
    if (!bearerTokenFile.isEmpty()) {
      v.check(java.nio.file.Files.isReadable(java.nio.file.Path.of(bearerTokenFile)), "bearer_token_file", "file not readable: " + bearerTokenFile);
    }
  }
}
