package dev.streamfold.config;

import static dev.streamfold.config.TestConfig.set;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class ExporterConfigTest {
  private static List<String> errors(ExporterConfig c) {
    Validator v = new Validator();
    c.validate(v.section("exporter"));
    return v.errors().stream().map(ConfigException::getMessage).toList();
  }

  @Test
  void grpcEndpointsAcceptHostPortAndUrlForms() {
    for (String ep : List.of("collector:4317", "http://collector:4317", "https://collector:4317/", "dns:///collector:4317")) {
      ExporterConfig c = TestConfig.uncheckedWith(TestConfig.exporter(), "type=otlp_grpc", set("otlp.endpoint", ep));
      assertThat(errors(c)).as(ep).isEmpty();
    }
    ExporterConfig bad = TestConfig.uncheckedWith(TestConfig.exporter(), "type=otlp_grpc", "otlp.endpoint=https://collector");
    assertThat(errors(bad)).singleElement().asString().contains("exporter.otlp.endpoint");
  }

  @Test
  void sizesAreBounded() {
    ExporterConfig c = TestConfig.uncheckedWith(TestConfig.exporter(), "file.max_size_mib=" + ((1L << 20) + 1), "queue.persistent.max_size_mib=0");
    assertThat(errors(c)).hasSize(2).anySatisfy(e -> assertThat(e).contains("exporter.file.max_size_mib")).anySatisfy(e -> assertThat(e).contains("exporter.queue.persistent.max_size_mib"));
  }

  @Test
  void defaultsAreValidAndUseTheFileExporter() {
    ExporterConfig c = TestConfig.exporter();
    assertThat(errors(c)).isEmpty();
    assertThat(c.type()).isEqualTo("file");
    assertThat(c.file().path()).isEqualTo("./streamfold-data/output.jsonl");
  }

  @Test
  void severalNamedExportersAreBoundWithTheirTypeFromTheName() throws Exception {
    StreamfoldConfig cfg = new ConfigLoader().parse("""
        exporters:
          otlp/tempo:
            otlp: {endpoint: "tempo:4317"}
          otlphttp/backup:
            otlp: {endpoint: "http://backup:4318"}
            batch: {max_bytes: 1048576}
          file:
            file: {path: /tmp/copy.jsonl}
        """);
    java.util.Map<String, ExporterConfig> byName = cfg.exportersByName();
    assertThat(byName.keySet()).containsExactly("otlp/tempo", "otlphttp/backup", "file");
    assertThat(byName.get("otlp/tempo").type()).isEqualTo("otlp_grpc");
    assertThat(byName.get("otlphttp/backup").type()).isEqualTo("otlp_http");
    assertThat(byName.get("otlphttp/backup").batch().maxBytes()).isEqualTo(1 << 20);
    assertThat(byName.get("file").type()).isEqualTo("file");
  }

  @Test
  void theSingleExporterIsStillAcceptedAndNamedByItsType() throws Exception {
    StreamfoldConfig cfg = new ConfigLoader().parse("exporter: {type: otlp_grpc, otlp: {endpoint: \"c:4317\"}}\n");
    assertThat(cfg.exportersByName()).containsOnlyKeys("otlp_grpc");
    assertThat(cfg.exportersByName().get("otlp_grpc").batch().maxBytes()).isEqualTo(3L << 20);
  }

  @Test
  void namedExporterErrorsNameTheKey() {
    assertThat(org.junit.jupiter.api.Assertions.assertThrows(ConfigException.class, () -> new ConfigLoader().parse("""
        exporter: {type: file}
        exporters:
          file: {}
        """)).getMessage()).contains("exporter", "not both");
    assertThat(org.junit.jupiter.api.Assertions.assertThrows(ConfigException.class, () -> new ConfigLoader().parse("""
        exporters:
          kafka/x: {}
        """)).getMessage()).contains("exporters.kafka/x", "otlp, otlphttp or file");
    assertThat(org.junit.jupiter.api.Assertions.assertThrows(ConfigException.class, () -> new ConfigLoader().parse("""
        exporters:
          otlp/tempo: {otlp: {endpoint: ""}}
        """)).getMessage()).contains("exporters.otlp/tempo.otlp.endpoint");
    assertThat(org.junit.jupiter.api.Assertions.assertThrows(ConfigException.class, () -> new ConfigLoader().parse("""
        exporters:
          file/a: {queue: {persistent: {enabled: true, directory: /tmp/q}}}
          file/b: {queue: {persistent: {enabled: true, directory: /tmp/q}}}
        """)).getMessage()).contains("exporters.file/b.queue.persistent.directory", "file/a");
    assertThat(org.junit.jupiter.api.Assertions.assertThrows(ConfigException.class, () -> new ConfigLoader().parse("""
        exporter: {batch: {max_bytes: 10}}
        """)).getMessage()).contains("exporter.batch.max_bytes");
  }
}
