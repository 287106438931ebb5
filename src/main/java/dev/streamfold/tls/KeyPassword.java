package dev.streamfold.tls;

import dev.streamfold.config.TlsConfig;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.util.List;
import java.util.function.Function;

/**
 * Where the password of an encrypted {@code key_file} comes from: the environment variable named
 * by {@code key_password_env}, or the file {@code key_password_file} (read again on every key
 * reload, trailing newline stripped). Never logged. Immutable.
 */
final class KeyPassword {
  private final String envName;
  private final Path file;
  private final Function<String, String> env;

  private KeyPassword(String envName, Path file, Function<String, String> env) {
    this.envName = envName;
    this.file = file;
    this.env = env;
  }

  static KeyPassword of(TlsConfig cfg, Function<String, String> env) {
    return new KeyPassword(cfg.keyPasswordEnv(), cfg.keyPasswordFile().isEmpty() ? null : Path.of(cfg.keyPasswordFile()), env);
  }

  /** The password file, watched for changes with the key; empty when the password is in the environment or absent. */
  List<Path> files() {
    return file == null ? List.of() : List.of(file);
  }

  /** @return null when no password is configured */
  char[] read() throws IOException, GeneralSecurityException {
    if (file != null) {
      String s = Files.readString(file, StandardCharsets.UTF_8);
      return s.replaceFirst("\\R+$", "").toCharArray(); // trailing line breaks only: spaces may be part of it
    }
    if (!envName.isEmpty()) {
      String v = env.apply(envName);
      if (v == null) {
        throw new GeneralSecurityException("key_password_env: environment variable " + envName + " is not set");
      }
      return v.toCharArray();
    }
    return null;
  }
}
