package dev.streamfold.receiver;

import static dev.streamfold.config.TestConfig.set;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.streamfold.config.AuthConfig;
import dev.streamfold.config.TestConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BearerAuthTest {
  @TempDir Path dir;

  private static AuthConfig env(String name) {
    AuthConfig c = TestConfig.receiver().auth();
    c = TestConfig.uncheckedWith(c, set("bearer_token_env", name));
    return c;
  }

  @Test
  void disabledAllowsEverything() throws Exception {
    BearerAuth auth = BearerAuth.fromConfig(TestConfig.receiver().auth());
    assertThat(auth.enabled()).isFalse();
    assertThat(auth.allows(null)).isTrue();
  }

  @Test
  void tokenFromEnvironment() throws Exception {
    BearerAuth auth = BearerAuth.fromConfig(env("SF_TOKEN"), Map.of("SF_TOKEN", "abc123")::get);
    assertThat(auth.enabled()).isTrue();
    assertThat(auth.allows("Bearer abc123")).isTrue();
    assertThat(auth.allows("bearer abc123")).isTrue();
    assertThat(auth.allows("BEARER  abc123 ")).isTrue();
    assertThat(auth.allows("Bearer abc1234")).isFalse();
    assertThat(auth.allows("Bearer abc12")).isFalse();
    assertThat(auth.allows("Basic abc123")).isFalse();
    assertThat(auth.allows("abc123")).isFalse();
    assertThat(auth.allows("Bearer ")).isFalse();
    assertThat(auth.allows(null)).isFalse();
    assertThat(auth.toString()).doesNotContain("abc123");
  }

  @Test
  void tokenFromFileIsTrimmed() throws Exception {
    Path f = dir.resolve("t");
    Files.writeString(f, "  from-file\n");
    AuthConfig c = TestConfig.receiver().auth();
    c = TestConfig.with(c, set("bearer_token_file", f.toString()));
    BearerAuth auth = BearerAuth.fromConfig(c);
    assertThat(auth.allows("Bearer from-file")).isTrue();
    assertThat(auth.allows("Bearer from-file\n")).isTrue();
    assertThat(auth.allows("Bearer  from-fil")).isFalse();
  }

  @Test
  void unsetOrEmptyTokenFailsInsteadOfDisablingAuth() throws Exception {
    assertThatThrownBy(() -> BearerAuth.fromConfig(env("SF_MISSING"), k -> null))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("SF_MISSING");
    assertThatThrownBy(() -> BearerAuth.fromConfig(env("SF_BLANK"), k -> "  "))
        .isInstanceOf(IllegalStateException.class);
  }
}
