package dev.streamfold.config;

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
      ExporterConfig c = new ExporterConfig();
      c.type = "otlp_grpc";
      c.otlp.endpoint = ep;
      assertThat(errors(c)).as(ep).isEmpty();
    }
    ExporterConfig bad = new ExporterConfig();
    bad.type = "otlp_grpc";
    bad.otlp.endpoint = "https://collector";
    assertThat(errors(bad)).singleElement().asString().contains("exporter.otlp.endpoint");
  }

  @Test
  void sizesAreBounded() {
    ExporterConfig c = new ExporterConfig();
    c.file.maxSizeMib = (1L << 20) + 1;
    c.queue.persistent.maxSizeMib = 0;
    assertThat(errors(c)).hasSize(2).anySatisfy(e -> assertThat(e).contains("exporter.file.max_size_mib")).anySatisfy(e -> assertThat(e).contains("exporter.queue.persistent.max_size_mib"));
  }

  @Test
  void defaultsAreValidAndUseTheFileExporter() {
    ExporterConfig c = new ExporterConfig();
    assertThat(errors(c)).isEmpty();
    assertThat(c.type).isEqualTo("file");
    assertThat(c.file.path).isEqualTo("./streamfold-data/output.jsonl");
  }
}
