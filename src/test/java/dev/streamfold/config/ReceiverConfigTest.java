package dev.streamfold.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The receivers' connection and timeout keys: defaults from the embedded file, validation naming the key. */
class ReceiverConfigTest {
  final ConfigLoader loader = new ConfigLoader(Map.<String, String>of()::get);

  @Test
  void embeddedDefaultsMatchTheBuiltInOnes() throws Exception {
    ReceiverConfig c = loader.loadDefault().receivers().otlp();
    ReceiverConfig d = TestConfig.receiver();
    assertThat(c.http().maxConnections()).isEqualTo(d.http().maxConnections()).isEqualTo(1024);
    assertThat(c.http().maxConnectionsPerClient()).isEqualTo(d.http().maxConnectionsPerClient());
    assertThat(c.http().readHeaderTimeout()).isEqualTo(d.http().readHeaderTimeout()).isEqualTo(Duration.ofSeconds(10));
    assertThat(c.http().idleTimeout()).isEqualTo(d.http().idleTimeout());
    assertThat(c.http().maxBufferedBodyMib()).isEqualTo(d.http().maxBufferedBodyMib());
    assertThat(c.grpc().maxRstFramesPerWindow()).isEqualTo(d.grpc().maxRstFramesPerWindow()).isEqualTo(200);
    assertThat(c.grpc().maxConnectionAge()).isEqualTo(d.grpc().maxConnectionAge()).isEqualTo(Duration.ZERO);
    assertThat(c.grpc().maxConnectionsPerClient()).isEqualTo(d.grpc().maxConnectionsPerClient());
  }

  @Test
  void badValuesNameTheKey() {
    assertThatThrownBy(() -> loader.parse("receivers:\n  otlp:\n    http:\n      max_connections_per_client: 0\n"))
        .hasMessageContaining("receivers.otlp.http.max_connections_per_client: must be > 0");
    assertThatThrownBy(() -> loader.parse("receivers:\n  otlp:\n    http:\n      read_header_timeout: 0s\n"))
        .hasMessageContaining("receivers.otlp.http.read_header_timeout");
    assertThatThrownBy(() -> loader.parse("receivers:\n  otlp:\n    http:\n      max_buffered_body_mib: 8\n"))
        .hasMessageContaining("receivers.otlp.http.max_buffered_body_mib: must be >= max_request_body_size_mib (20)");
    assertThatThrownBy(() -> loader.parse("receivers:\n  otlp:\n    grpc:\n      max_connection_age: 500ms\n"))
        .hasMessageContaining("receivers.otlp.grpc.max_connection_age: must be 0 (never) or at least 1s");
    assertThatThrownBy(() -> loader.parse("receivers:\n  otlp:\n    grpc:\n      max_rst_frames_per_window: -1\n"))
        .hasMessageContaining("receivers.otlp.grpc.max_rst_frames_per_window");
  }

  @Test
  void connectionAgeAndKeepAliveParse() throws Exception {
    ReceiverConfig c = loader.parse("receivers:\n  otlp:\n    grpc:\n      max_connection_age: 5m\n"
        + "      permit_keepalive_without_calls: false\n").receivers().otlp();
    assertThat(c.grpc().maxConnectionAge()).isEqualTo(Duration.ofMinutes(5));
    assertThat(c.grpc().permitKeepaliveWithoutCalls()).isFalse();
  }
}
