package dev.streamfold.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Several --config files and --set overrides, Collector style, and print-config's masking. */
class ConfigMergeTest {
  @TempDir Path dir;
  final ConfigLoader loader = new ConfigLoader(Map.of("TOKEN", "t0ps3cret", "PW", "hunter2")::get);

  private Path file(String name, String yaml) throws Exception {
    return Files.writeString(dir.resolve(name), yaml);
  }

  @Test
  void laterFilesWinKeyByKeyAndListsAreReplaced() throws Exception {
    Path a = file("a.yaml", """
        window:
          idle_timeout: 10s
          max_open_streams: 50
          rules:
            chunk_events:
              - event_name: a.chunk
              - event_name: b.chunk
        exporter:
          type: otlp_grpc
          otlp:
            endpoint: collector:4317
            headers: {x-a: "1"}
        """);
    Path b = file("b.yaml", """
        window:
          idle_timeout: 20s
          rules:
            chunk_events:
              - event_name: c.chunk
        exporter:
          otlp:
            headers: {x-b: "2"}
        """);

    StreamfoldConfig c = loader.load(List.of(a, b), List.of());

    assertThat(c.window().idleTimeout()).isEqualTo(Duration.ofSeconds(20));
    assertThat(c.window().maxOpenStreams()).isEqualTo(50);
    assertThat(c.window().rules().chunkEvents()).extracting(r -> r.eventName()).containsExactly("c.chunk");
    assertThat(c.exporter().otlp().endpoint()).isEqualTo("collector:4317");
    assertThat(c.exporter().otlp().headers()).containsExactly(Map.entry("x-a", "1"), Map.entry("x-b", "2"));
  }

  @Test
  void setOverridesAfterTheFilesWithYamlValues() throws Exception {
    Path a = file("a.yaml", "window:\n  idle_timeout: 10s\n");

    StreamfoldConfig c = loader.load(List.of(a), List.of(
        "window.idle_timeout=1m",
        "receivers.otlp.grpc.endpoint=0.0.0.0:14317",
        "window.max_open_streams=7",
        "exporter.otlp.headers={authorization: Bearer x}",
        "telemetry.otlp.enabled=false"));

    assertThat(c.window().idleTimeout()).isEqualTo(Duration.ofMinutes(1));
    assertThat(c.receivers().otlp().grpc().endpoint()).isEqualTo("0.0.0.0:14317");
    assertThat(c.window().maxOpenStreams()).isEqualTo(7);
    assertThat(c.exporter().otlp().headers()).containsEntry("authorization", "Bearer x");
  }

  @Test
  void setErrorsNameTheKey() {
    assertThatThrownBy(() -> loader.load(List.of(), List.of("window.idle_timout=1s")))
        .hasMessageContaining("window.idle_timout").hasMessageContaining("unknown key");
    assertThatThrownBy(() -> loader.load(List.of(), List.of("window.idle_timeout")))
        .hasMessageContaining("--set needs path=value");
    assertThatThrownBy(() -> loader.load(List.of(), List.of("window.idle_timeout.x=1")))
        .hasMessageContaining("window.idle_timeout").hasMessageContaining("not a mapping");
    assertThatThrownBy(() -> loader.load(List.of(), List.of("window.max_open_streams=0")))
        .hasMessageContaining("window.max_open_streams: must be > 0");
  }

  @Test
  void withoutFilesTheEmbeddedDefaultIsTheBase() throws Exception {
    StreamfoldConfig c = loader.load(List.of(), List.of("service.log_format=json"));

    assertThat(c.service().logFormat()).isEqualTo("json");
    assertThat(c.window().rules().chunkEvents()).isNotEmpty();
  }

  @Test
  void printConfigShowsEveryEffectiveKeyWithSecretsMasked() throws Exception {
    Path a = file("a.yaml", """
        exporter:
          type: otlp_http
          otlp:
            endpoint: https://collector:4318
            headers:
              authorization: "Bearer ${env:TOKEN}"
              x-tenant: acme
        """);

    StreamfoldConfig c = loader.load(List.of(a), List.of("window.idle_timeout=90s"));
    String yaml = ConfigPrinter.yaml(c);

    assertThat(yaml).doesNotContain("t0ps3cret").doesNotContain("acme")
        .contains("authorization: " + ConfigPrinter.MASK, "x-tenant: " + ConfigPrinter.MASK)
        .contains("idle_timeout: 90s", "finalize_grace: 2s", "endpoint: https://collector:4318");
    // what it prints is a config that loads to the same values (headers aside)
    StreamfoldConfig again = loader.load(List.of(file("printed.yaml", yaml)), List.of());
    assertThat(ConfigPrinter.changedKeys(c, again)).containsExactlyInAnyOrder(
        "exporter.otlp.headers.authorization", "exporter.otlp.headers.x-tenant");
  }

  @Test
  void changedKeysListsDottedPaths() throws Exception {
    StreamfoldConfig a = loader.load(List.of(), List.of());
    StreamfoldConfig b = loader.load(List.of(), List.of("service.log_level=debug", "receivers.otlp.grpc.endpoint=localhost:1"));

    assertThat(ConfigPrinter.changedKeys(a, b)).containsExactlyInAnyOrder("service.log_level", "receivers.otlp.grpc.endpoint");
    assertThat(ConfigPrinter.format(Duration.ofMillis(1500))).isEqualTo("1500ms");
  }
}
