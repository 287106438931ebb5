package dev.streamfold.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ConfigLoaderTest {
  final ConfigLoader loader = new ConfigLoader(Map.of("TENANT", "acme", "GRACE", "750ms", "EMPTY", "")::get);

  @Test
  void embeddedDefaultIsTheDefault() throws Exception {
    StreamfoldConfig c = loader.loadDefault();
    assertThat(c.window().finalizeGrace()).isEqualTo(Duration.ofSeconds(2));
    assertThat(c.receivers().otlp().grpc().endpoint()).isEqualTo("localhost:4317");
    assertThat(c.exporter().type()).isEqualTo("file");
    assertThat(c.exporter().file().path()).isEqualTo("./streamfold-data/output.jsonl");
    assertThat(c.window().rules().chunkSpans()).extracting(RuleConfig::chunkTime).containsExactly("end", "block");
    assertThat(c.window().rules().chunkEvents()).extracting(r -> r.eventName())
        .containsExactly("gen_ai.content.completion.chunk", "llm.content.completion.chunk");
    assertThat(c.telemetry().prometheus().endpoint()).isEqualTo("localhost:9464");
    assertThat(c.service().health().endpoint()).isEqualTo("localhost:13133");
  }

  @Test
  void unknownKeyNamesItsPath() {
    assertThatThrownBy(() -> loader.parse("window:\n  finalise_grace: 2s\n"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("window.finalise_grace")
        .hasMessageContaining("unknown key");
  }

  @Test
  void badValuesNameTheKeyAndReason() {
    assertThatThrownBy(() -> loader.parse("window:\n  idle_timeout: soon\n"))
        .hasMessageContaining("window.idle_timeout").hasMessageContaining("not a duration");
    assertThatThrownBy(() -> loader.parse("window:\n  finalize_grace: -1s\n"))
        .hasMessageContaining("window.finalize_grace");
    assertThatThrownBy(() -> loader.parse("window:\n  max_open_streams: many\n"))
        .hasMessageContaining("window.max_open_streams");
    assertThatThrownBy(() -> loader.parse("window:\n  max_open_streams: 0\n"))
        .hasMessageContaining("window.max_open_streams: must be > 0");
    assertThatThrownBy(() -> loader.parse("exporter:\n  type: kafka\n"))
        .hasMessageContaining("exporter.type: must be file, otlp_grpc or otlp_http");
    assertThatThrownBy(() -> loader.parse("exporter:\n  type: otlp_grpc\n"))
        .hasMessageContaining("exporter.otlp.endpoint: required");
    assertThatThrownBy(() -> loader.parse("receivers:\n  otlp:\n    grpc:\n      endpoint: localhost:99999\n"))
        .hasMessageContaining("receivers.otlp.grpc.endpoint");
    assertThatThrownBy(() -> loader.parse("window:\n  rules:\n    chunk_spans:\n      - name_regex: '(['\n"))
        .hasMessageContaining("window.rules.chunk_spans[0].name_regex: invalid regular expression");
    assertThatThrownBy(() -> loader.parse("telemetry:\n  instruments:\n    gen_ai.client.operation.duration:\n      buckets: [2, 1]\n"))
        .hasMessageContaining("telemetry.instruments.gen_ai.client.operation.duration.buckets[1]");
  }

  @Test
  void everyErrorIsReported() {
    assertThatThrownBy(() -> loader.parse("window:\n  max_open_streams: 0\n  memory_budget_mib: 0\n"))
        .hasMessageContaining("window.max_open_streams").hasMessageContaining("window.memory_budget_mib");
  }

  @Test
  void environmentIsExpandedInValuesWithDefaults() throws Exception {
    StreamfoldConfig c = loader.parse("""
        # comments may mention ${env:NOT_SET} freely
        window:
          finalize_grace: ${env:GRACE}
          idle_timeout: ${env:NOT_SET:-45s}
          max_open_streams: ${env:NOT_SET:-1234}
        exporter:
          otlp:
            headers:
              x-scope-orgid: "${env:TENANT}-prod"
              x-empty: "${env:EMPTY:-fallback}"
        """);
    assertThat(c.window().finalizeGrace()).isEqualTo(Duration.ofMillis(750));
    assertThat(c.window().idleTimeout()).isEqualTo(Duration.ofSeconds(45));
    assertThat(c.window().maxOpenStreams()).isEqualTo(1234);
    assertThat(c.exporter().otlp().headers()).containsEntry("x-scope-orgid", "acme-prod").containsEntry("x-empty", "fallback");
  }

  @Test
  void missingEnvironmentVariableWithoutDefaultIsAnError() {
    assertThatThrownBy(() -> loader.parse("exporter:\n  otlp:\n    endpoint: ${env:NOT_SET}\n"))
        .hasMessageContaining("exporter.otlp.endpoint").hasMessageContaining("NOT_SET is not set");
  }

  @Test
  void durationsParse() {
    assertThat(ConfigLoader.parseDuration("200ms")).isEqualTo(Duration.ofMillis(200));
    assertThat(ConfigLoader.parseDuration("1.5m")).isEqualTo(Duration.ofSeconds(90));
    assertThat(ConfigLoader.parseDuration("0")).isEqualTo(Duration.ZERO);
    assertThat(ConfigLoader.parseDuration("1h")).isEqualTo(Duration.ofHours(1));
    assertThatThrownBy(() -> ConfigLoader.parseDuration("5 minutes")).isInstanceOf(IllegalArgumentException.class);
  }
  @Test
  void anEmptySectionKeepsItsDefaultsAndAnEmptyValueNamesItsKey() throws Exception {
    assertThat(loader.parse("window:\n").window().finalizeGrace()).isEqualTo(Duration.ofSeconds(2));
    assertThatThrownBy(() -> loader.parse("window:\n  idle_timeout:\n"))
        .hasMessageContaining("window.idle_timeout: must have a value");
  }

  @Test
  void theLoadedConfigurationCannotBeChanged() throws Exception {
    StreamfoldConfig c = loader.parse("exporter:\n  otlp:\n    headers: {x-a: \"1\"}\n");
    assertThatThrownBy(() -> c.window().rules().chunkSpans().clear()).isInstanceOf(UnsupportedOperationException.class);
    assertThatThrownBy(() -> c.exporter().otlp().headers().put("x-b", "2")).isInstanceOf(UnsupportedOperationException.class);
    assertThatThrownBy(() -> c.exporters().put("file", c.exporter())).isInstanceOf(UnsupportedOperationException.class);
  }

  @Test
  void aVariantOfASectionIsMadeAndValidatedByTheLoader() throws Exception {
    WindowConfig base = loader.parse("window:\n  idle_timeout: 45s\n  shards: 4\n").window();
    WindowConfig one = ConfigLoader.window(base, "shards=1");
    assertThat(one.shards()).isEqualTo(1);
    assertThat(one.idleTimeout()).isEqualTo(Duration.ofSeconds(45));
    assertThat(base.shards()).isEqualTo(4);
    assertThatThrownBy(() -> ConfigLoader.window(base, "shards=-1")).hasMessageContaining("window.shards: must be >= 0");
  }

  @Test
  void namedExportersNeedNoFileWhenTheEmbeddedDefaultHasTheSingleOne() throws Exception {
    StreamfoldConfig c = loader.load(java.util.List.of(), java.util.List.of("exporters.file/copy.file.path=/tmp/copy.jsonl"));
    assertThat(c.exportersByName()).containsOnlyKeys("file/copy");
    assertThat(c.exportersByName().get("file/copy").type()).isEqualTo("file");
  }
}
