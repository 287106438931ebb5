package dev.streamfold.config;

import static dev.streamfold.config.TestConfig.set;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class DebugConfigTest {
  private static List<String> errors(DebugConfig c) {
    Validator v = new Validator();
    c.validate(v.section("service").section("debug"));
    return v.errors().stream().map(ConfigException::getMessage).toList();
  }

  @Test
  void offByDefaultOnLocalhost() throws ConfigException {
    StreamfoldConfig c = new ConfigLoader().loadDefault();
    assertThat(c.service().debug().enabled()).isFalse();
    assertThat(c.service().debug().endpoint()).isEqualTo("localhost:55679");
    assertThat(c.service().debug().recentStreams()).isEqualTo(100);
  }

  @Test
  void enabledFromYamlWithItsKeys() throws ConfigException {
    StreamfoldConfig c = new ConfigLoader().parse(
        "service:\n  debug:\n    enabled: true\n    endpoint: 127.0.0.1:25300\n    recent_streams: 5\n    max_open_streams: 7\n    max_findings: 3\n");
    assertThat(c.service().debug().enabled()).isTrue();
    assertThat(c.service().debug().endpoint()).isEqualTo("127.0.0.1:25300");
    assertThat(c.service().debug().recentStreams()).isEqualTo(5);
    assertThat(c.service().debug().maxOpenStreams()).isEqualTo(7);
    assertThat(c.service().debug().maxFindings()).isEqualTo(3);
  }

  @Test
  void onlyLoopbackAndBoundedSizes() {
    DebugConfig c = TestConfig.service().debug();
    c = TestConfig.uncheckedWith(c, "enabled=true", "endpoint=0.0.0.0:55679", "recent_streams=0", "max_open_streams=2000000", "max_findings=-1");
    assertThat(errors(c)).hasSize(4)
        .anySatisfy(e -> assertThat(e).contains("service.debug.endpoint").contains("loopback"))
        .anySatisfy(e -> assertThat(e).contains("service.debug.recent_streams"))
        .anySatisfy(e -> assertThat(e).contains("service.debug.max_open_streams"))
        .anySatisfy(e -> assertThat(e).contains("service.debug.max_findings"));
    c = TestConfig.uncheckedWith(c, set("endpoint", "[::1]:0"), "recent_streams=1", "max_open_streams=1", "max_findings=1");
    assertThat(errors(c)).isEmpty();
  }

  @Test
  void aDisabledPageIsNotChecked() {
    assertThatThrownBy(() -> new ConfigLoader().parse("service:\n  debug:\n    enabled: true\n    endpoint: example.com:80\n"))
        .hasMessageContaining("service.debug.endpoint");
    DebugConfig c = TestConfig.service().debug();
    c = TestConfig.uncheckedWith(c, "endpoint=example.com:80");
    assertThat(errors(c)).isEmpty();
  }
}
