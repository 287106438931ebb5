package dev.streamfold.receiver;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetSocketAddress;
import org.junit.jupiter.api.Test;

class EndpointsTest {
  @Test
  void parsesHostPortAndIpv6Literals() {
    InetSocketAddress a = Endpoints.parse("127.0.0.1:4317");
    assertThat(a.getHostString()).isEqualTo("127.0.0.1");
    assertThat(a.getPort()).isEqualTo(4317);
    InetSocketAddress b = Endpoints.parse("[::1]:0");
    assertThat(b.getAddress().getHostAddress()).isEqualTo("0:0:0:0:0:0:0:1");
    assertThat(b.getPort()).isZero();
    assertThat(Endpoints.parse("0.0.0.0:4318").getAddress().isAnyLocalAddress()).isTrue();
  }

  @Test
  void rejectsMalformedEndpoints() {
    for (String bad : new String[] {"", "4317", ":4317", "host:", "host:x", "host:70000", "host:-1"}) {
      assertThatThrownBy(() -> Endpoints.parse(bad)).as(bad).isInstanceOf(IllegalArgumentException.class);
    }
  }
}
