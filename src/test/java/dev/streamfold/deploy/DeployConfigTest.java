package dev.streamfold.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.streamfold.config.ConfigException;
import dev.streamfold.config.ConfigLoader;
import dev.streamfold.config.StreamfoldConfig;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The streamfold config files shipped under deploy/ load and validate with the service's own
 * {@link ConfigLoader}, under the environments the container, compose and Kubernetes set.
 */
class DeployConfigTest {
  private static final Path ROOT = Path.of(System.getProperty("basedir", "."));
  private static final Path CONTAINER = ROOT.resolve("deploy/docker/streamfold.yaml");
  private static final Path K8S_SIDECAR = ROOT.resolve("deploy/k8s/base/streamfold.yaml");
  private static final Path K8S_SCALE_OUT = ROOT.resolve("deploy/k8s/scale-out/streamfold.yaml");
  private static final Path COMPOSE = ROOT.resolve("deploy/compose/docker-compose.yaml");

  private static StreamfoldConfig load(Path file, Map<String, String> env) throws ConfigException {
    return new ConfigLoader(env::get).load(file);
  }

  @Test
  void containerConfigWithoutEnvironmentBindsAllAddressesAndWritesToTheDataVolume() throws Exception {
    StreamfoldConfig c = load(CONTAINER, Map.of());

    assertThat(c.receivers().otlp().grpc().endpoint()).isEqualTo("0.0.0.0:4317");
    assertThat(c.receivers().otlp().http().endpoint()).isEqualTo("0.0.0.0:4318");
    assertThat(c.telemetry().prometheus().endpoint()).isEqualTo("0.0.0.0:9464");
    assertThat(c.service().health().endpoint()).isEqualTo("0.0.0.0:13133");
    assertThat(c.exporter().type()).isEqualTo("file");
    assertThat(c.exporter().file().path()).startsWith("/var/lib/streamfold/");
    assertThat(c.receivers().otlp().auth().enabled()).isFalse();
    assertThat(c.window().finalizeGrace()).isEqualTo(Duration.ofSeconds(2));
    assertThat(c.service().shutdown().acceptGrace()).isEqualTo(Duration.ofSeconds(5));
    assertThat(c.service().shutdown().timeout()).isEqualTo(Duration.ofSeconds(10));
  }

  @Test
  void containerConfigTakesExporterPortsAndWindowFromEnvironment() throws Exception {
    Map<String, String> env = Map.of(
        "STREAMFOLD_EXPORTER", "otlp_http",
        "STREAMFOLD_OTLP_ENDPOINT", "http://collector:4318",
        "STREAMFOLD_OTLP_GRPC_ENDPOINT", "0.0.0.0:24317",
        "STREAMFOLD_HEALTH_ENDPOINT", "127.0.0.1:23133",
        "STREAMFOLD_FINALIZE_GRACE", "200ms",
        "STREAMFOLD_ACCEPT_GRACE", "1s");

    StreamfoldConfig c = load(CONTAINER, env);

    assertThat(c.exporter().type()).isEqualTo("otlp_http");
    assertThat(c.exporter().otlp().endpoint()).isEqualTo("http://collector:4318");
    assertThat(c.receivers().otlp().grpc().endpoint()).isEqualTo("0.0.0.0:24317");
    assertThat(c.service().health().endpoint()).isEqualTo("127.0.0.1:23133");
    assertThat(c.window().finalizeGrace()).isEqualTo(Duration.ofMillis(200));
    assertThat(c.service().shutdown().acceptGrace()).isEqualTo(Duration.ofSeconds(1));
  }

  @Test
  void containerConfigRefusesAnOtlpExporterWithoutEndpoint() {
    assertThatThrownBy(() -> load(CONTAINER, Map.of("STREAMFOLD_EXPORTER", "otlp_grpc")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("exporter.otlp.endpoint");
  }

  @Test
  void composeSidecarEnvironmentMakesAValidContainerConfig() throws Exception {
    Map<String, String> env = serviceEnvironment("streamfold");
    assertThat(env).containsKey("STREAMFOLD_EXPORTER");

    StreamfoldConfig c = load(CONTAINER, env);

    assertThat(c.exporter().isOtlp()).isTrue();
    assertThat(c.exporter().otlp().endpoint()).isEqualTo("otel-collector:4317");
  }

  @Test
  void kubernetesSidecarConfigBindsReceiversToThePodLoopbackOnly() throws Exception {
    StreamfoldConfig c = load(K8S_SIDECAR, Map.of("STREAMFOLD_OTLP_ENDPOINT", "otel-collector.observability:4317"));

    assertThat(c.receivers().otlp().grpc().endpoint()).startsWith("127.0.0.1:");
    assertThat(c.receivers().otlp().http().endpoint()).startsWith("127.0.0.1:");
    assertThat(c.service().health().endpoint()).isEqualTo("0.0.0.0:13133");
    assertThat(c.telemetry().prometheus().endpoint()).isEqualTo("0.0.0.0:9464");
    assertThat(c.exporter().type()).isEqualTo("otlp_grpc");
  }

  @Test
  void kubernetesSidecarConfigNeedsTheDownstreamFromTheDeployment() {
    assertThatThrownBy(() -> load(K8S_SIDECAR, Map.of()))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("STREAMFOLD_OTLP_ENDPOINT");
  }

  @Test
  void scaleOutConfigAcceptsFromOtherPodsAndOutlastsTheGatewaysDnsInterval() throws Exception {
    StreamfoldConfig c = load(K8S_SCALE_OUT, Map.of());

    assertThat(c.receivers().otlp().grpc().endpoint()).isEqualTo("0.0.0.0:4317");
    assertThat(c.exporter().otlp().endpoint()).isEqualTo("otel-gateway:4319");
    // the gateway's dns resolver refreshes every 5 s; draining replicas must accept longer than that
    assertThat(c.service().shutdown().acceptGrace()).isGreaterThan(Duration.ofSeconds(5));
  }

  private static Map<String, String> serviceEnvironment(String service) throws IOException {
    JsonNode root = new ObjectMapper(new YAMLFactory()).readTree(COMPOSE.toFile());
    JsonNode env = root.path("services").path(service).path("environment");
    Map<String, String> out = new HashMap<>();
    for (Map.Entry<String, JsonNode> e : env.properties()) {
      out.put(e.getKey(), e.getValue().asText());
    }
    return out;
  }
}
