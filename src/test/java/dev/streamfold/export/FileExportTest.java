package dev.streamfold.export;

import static dev.streamfold.config.TestConfig.set;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.streamfold.config.TestConfig;
import dev.streamfold.telemetry.InMemoryMetrics;
import dev.streamfold.config.ExporterConfig;
import dev.streamfold.otlp.OtlpJson;
import dev.streamfold.pipeline.Signal;
import io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileExportTest {
  private static final Pattern ID = Pattern.compile("\"(traceId|spanId|parentSpanId)\":\"([^\"]*)\"");

  @TempDir Path dir;

  private static ExportRequest traces(ResourceSpans rs) {
    return ExportRequest.of(Signal.TRACES, ExportTraceServiceRequest.newBuilder().addResourceSpans(rs).build(), 1);
  }

  private List<Path> files() throws Exception {
    try (Stream<Path> s = Files.list(dir.resolve("nested/out"))) {
      return s.sorted().toList();
    }
  }

  @Test
  void rotationKeepsTheConfiguredBoundAndEveryLineParses() throws Exception {
    Path path = dir.resolve("nested/out/data.jsonl");
    long max = 16 * 1024;
    FileExporter fe = new FileExporter(path, max, 2);
    List<String> written = new ArrayList<>();
    for (int i = 0; i < 300; i++) {
      ResourceSpans rs = TestData.resourceSpans(1);
      written.add(TestData.spanNameList(List.of(rs)).get(0));
      assertThat(fe.export(traces(rs)).get().isSuccess()).isTrue();
    }
    fe.close(Duration.ZERO);

    assertThat(files()).extracting(p -> p.getFileName().toString()).containsExactly("data.jsonl", "data.jsonl.1", "data.jsonl.2");
    List<String> names = new ArrayList<>();
    for (Path f : List.of(fe.backup(2), fe.backup(1), path)) {
      assertThat(Files.size(f)).isLessThanOrEqualTo(max);
      for (String line : Files.readAllLines(f, StandardCharsets.UTF_8)) {
        Matcher m = ID.matcher(line);
        int ids = 0;
        while (m.find()) {
          ids++;
          assertThat(m.group(2)).matches(m.group(1).equals("traceId") ? "[0-9a-f]{32}" : "[0-9a-f]{16}");
        }
        assertThat(ids).isEqualTo(5); // span trace/span/parent ids, link trace/span ids
        ExportTraceServiceRequest.Builder b = ExportTraceServiceRequest.newBuilder();
        OtlpJson.merge(line, b);
        names.addAll(TestData.spanNameList(b.getResourceSpansList()));
      }
    }
    // the files hold the newest lines, oldest backup first, without gaps
    assertThat(names).isNotEmpty().isEqualTo(written.subList(written.size() - names.size(), written.size()));
  }

  @Test
  void linesRoundTripExactly() throws Exception {
    Path path = dir.resolve("nested/out/data.jsonl");
    FileExporter fe = new FileExporter(path, 1 << 20, 1);
    ExportTraceServiceRequest req = ExportTraceServiceRequest.newBuilder().addResourceSpans(TestData.resourceSpans(3)).build();
    ExportLogsServiceRequest logs = ExportLogsServiceRequest.newBuilder().addResourceLogs(TestData.resourceLogs(2)).build();
    fe.export(ExportRequest.ofEncoded(Signal.TRACES, req.toByteArray(), 3)).get();
    fe.export(ExportRequest.of(Signal.LOGS, logs, 2)).get();
    fe.close(Duration.ZERO);
    List<String> lines = Files.readAllLines(path);
    assertThat(lines).hasSize(2);
    ExportTraceServiceRequest.Builder t = ExportTraceServiceRequest.newBuilder();
    OtlpJson.merge(lines.get(0), t);
    assertThat(t.build()).isEqualTo(req);
    ExportLogsServiceRequest.Builder l = ExportLogsServiceRequest.newBuilder();
    OtlpJson.merge(lines.get(1), l);
    assertThat(l.build()).isEqualTo(logs);
  }

  @Test
  void noBackupsMeansOneFileAndAppendingResumesTheSizeCount() throws Exception {
    Path path = dir.resolve("nested/out/data.jsonl");
    long max = 8 * 1024;
    FileExporter first = new FileExporter(path, max, 0);
    first.export(traces(TestData.resourceSpans(1))).get();
    first.close(Duration.ZERO);
    long before = Files.size(path);
    FileExporter fe = new FileExporter(path, max, 0);
    for (int i = 0; i < 100; i++) {
      fe.export(traces(TestData.resourceSpans(1))).get();
      assertThat(Files.size(path)).isLessThanOrEqualTo(max);
    }
    fe.close(Duration.ZERO);
    assertThat(files()).containsExactly(path);
    assertThat(before).isPositive();
  }

  @Test
  void fileIsTheDefaultExporterAndWritesThroughThePipeline() throws Exception {
    ExporterConfig cfg = TestConfig.exporter();
    assertThat(cfg.type()).isEqualTo("file");
    cfg = TestConfig.with(cfg, set("file.path", dir.resolve("nested/out/output.jsonl").toString()), "batch.timeout=20ms");
    InMemoryMetrics metrics = new InMemoryMetrics();
    ExportPipeline p = ExportPipeline.create(cfg, metrics);
    p.start();
    try {
      p.offerSpans(List.of(TestData.resourceSpans(2)), 2);
      p.offerLogs(List.of(TestData.resourceLogs(3)), 3);
      await().until(() -> metrics.get("exported.traces") == 2 && metrics.get("exported.logs") == 3);
    } finally {
      p.shutdown(Duration.ofSeconds(5));
    }
    List<String> lines = Files.readAllLines(Path.of(cfg.file().path()));
    assertThat(lines).hasSize(2).anySatisfy(l -> assertThat(l).startsWith("{\"resourceSpans\"")).anySatisfy(l -> assertThat(l).startsWith("{\"resourceLogs\""));
  }
}
