package dev.streamfold.receiver;

import dev.streamfold.config.TestConfig;
import dev.streamfold.telemetry.InMemoryMetrics;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.streamfold.config.ReceiverConfig;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.opentelemetry.proto.collector.trace.v1.TraceServiceGrpc;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The gRPC receiver's connection limits and connection age (issue 13). */
class OtlpGrpcLimitsTest {
  private final RecordingIngress ingress = new RecordingIngress();
  private final InMemoryMetrics metrics = new InMemoryMetrics();

  private static ManagedChannel channel(int port, String from) {
    return NettyChannelBuilder.forAddress("127.0.0.1", port).usePlaintext()
        .localSocketPicker(new NettyChannelBuilder.LocalSocketPicker() {
          @Override
          public SocketAddress createSocketAddress(SocketAddress remote, io.grpc.Attributes attrs) {
            return new InetSocketAddress(from, 0);
          }
        })
        .build();
  }

  private static void export(ManagedChannel ch, int n) {
    TraceServiceGrpc.newBlockingStub(ch).withDeadlineAfter(10, TimeUnit.SECONDS).export(OtlpGrpcReceiverTest.validRequest(n));
  }

  private double gauge(String name) {
    return metrics.gaugeValue(name, "transport", "otlp-grpc");
  }

  @Test
  void aClientAtItsConnectionLimitIsRefusedWhileOthersAreServed() throws Exception {
    ReceiverConfig cfg = OtlpGrpcReceiverTest.config();
    cfg = TestConfig.with(cfg, "grpc.max_connections_per_client=1");
    OtlpGrpcReceiver receiver = new OtlpGrpcReceiver(cfg, ingress, metrics, SdkFixtures.CLOCK);
    receiver.start();
    ManagedChannel first = channel(receiver.port(), "127.0.0.2");
    ManagedChannel second = channel(receiver.port(), "127.0.0.2");
    ManagedChannel other = channel(receiver.port(), "127.0.0.1");
    try {
      export(first, 1);
      assertThatThrownBy(() -> export(second, 1))
          .isInstanceOf(StatusRuntimeException.class)
          .satisfies(e -> assertThat(((StatusRuntimeException) e).getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE));
      export(other, 1);
      assertThat(gauge("streamfold.receiver.connections.refused")).isGreaterThanOrEqualTo(1);
      // once the first client's connection is gone, the second gets in
      first.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      await().atMost(Duration.ofSeconds(20)).until(() -> gauge("streamfold.receiver.connections.open") == 1);
      await().atMost(Duration.ofSeconds(30)).ignoreExceptions().untilAsserted(() -> export(second, 1));
      assertThat(ingress.traces).hasSize(3);
    } finally {
      for (ManagedChannel c : new ManagedChannel[] {first, second, other}) {
        c.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      }
      receiver.shutdown(Duration.ofSeconds(5));
    }
  }

  @Test
  void maxConnectionAgeMakesClientsReconnectWithoutFailedCalls() throws Exception {
    ReceiverConfig cfg = OtlpGrpcReceiverTest.config();
    cfg = TestConfig.with(cfg, "grpc.max_connection_age=1s", "grpc.max_connection_age_grace=5s");
    OtlpGrpcReceiver receiver = new OtlpGrpcReceiver(cfg, ingress, metrics, SdkFixtures.CLOCK);
    receiver.start();
    ManagedChannel ch = channel(receiver.port(), "127.0.0.1");
    try {
      int[] calls = {0};
      // keep calling until the server has aged out the first connection and the client reconnected
      await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100)).until(() -> {
        export(ch, 1);
        calls[0]++;
        return gauge("streamfold.receiver.connections.accepted") >= 2;
      });
      assertThat(ingress.traces).hasSize(calls[0]);
    } finally {
      ch.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      receiver.shutdown(Duration.ofSeconds(5));
    }
  }
}
