package dev.streamfold.explain;

import static dev.streamfold.testing.Otlp.chunk;
import static dev.streamfold.testing.Otlp.chunkLog;
import static dev.streamfold.testing.Otlp.id;
import static dev.streamfold.testing.Otlp.kv;
import static dev.streamfold.testing.Otlp.logs;
import static dev.streamfold.testing.Otlp.span;
import static dev.streamfold.testing.Otlp.trace;
import static dev.streamfold.testing.Otlp.traces;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import dev.streamfold.otlp.OtlpJson;
import dev.streamfold.pipeline.Signal;
import io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.metrics.v1.Gauge;
import io.opentelemetry.proto.metrics.v1.Metric;
import io.opentelemetry.proto.metrics.v1.NumberDataPoint;
import io.opentelemetry.proto.metrics.v1.ResourceMetrics;
import io.opentelemetry.proto.metrics.v1.ScopeMetrics;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class InputReaderTest {
  @TempDir Path dir;

  static final ByteString T = trace(7);
  static final ExportTraceServiceRequest SPANS =
      traces(span(T, id(1), ByteString.EMPTY, "respond", 0, 200).build(), chunk(T, id(1), 2, 0, 10, 100));
  static final ExportLogsServiceRequest LOGS = logs(chunkLog(T, id(1), 50, kv("event.name", "llm_stream.chunk")));
  static final ExportMetricsServiceRequest METRICS = ExportMetricsServiceRequest.newBuilder()
      .addResourceMetrics(ResourceMetrics.newBuilder().addScopeMetrics(ScopeMetrics.newBuilder().addMetrics(
          Metric.newBuilder().setName("requests").setGauge(Gauge.newBuilder().addDataPoints(NumberDataPoint.newBuilder().setAsInt(3))))))
      .build();

  Path write(String name, String text) throws IOException {
    return Files.writeString(dir.resolve(name), text);
  }

  Path write(String name, byte[] data) throws IOException {
    return Files.write(dir.resolve(name), data);
  }

  InputReader.Result read(Path... files) {
    return InputReader.read(List.of(files));
  }

  @Test
  void jsonLinesAsTheFileExporterWritesThemGiveOneRequestPerLine() throws IOException {
    Path f = write("out.jsonl", OtlpJson.print(SPANS) + "\n" + OtlpJson.print(LOGS) + "\n\n" + OtlpJson.print(METRICS) + "\n");
    InputReader.Result r = read(f);
    assertThat(r.errors()).isEmpty();
    assertThat(r.requests()).extracting(InputRequest::signal).containsExactly(Signal.TRACES, Signal.LOGS, Signal.METRICS);
    assertThat(r.requests()).extracting(InputRequest::where).containsExactly(f + ":1", f + ":2", f + ":4");
    assertThat(r.requests().get(0).message()).isEqualTo(SPANS);
    assertThat(r.requests().get(1).message()).isEqualTo(LOGS);
    assertThat(r.requests()).allMatch(q -> q.arrivedUnixMs() == -1);
  }

  @Test
  void aBadLineIsNamedWithItsLineAndTheOtherLinesAreStillRead() throws IOException {
    String badId = OtlpJson.print(SPANS).replaceFirst("\"spanId\":\"[0-9a-f]+\"", "\"spanId\":\"zz\"");
    Path f = write("out.jsonl", OtlpJson.print(SPANS) + "\n{\"resourceSpans\": [\n" + badId + "\n{\"hello\":1}\n" + OtlpJson.print(LOGS) + "\n");
    InputReader.Result r = read(f);
    assertThat(r.requests()).extracting(InputRequest::where).containsExactly(f + ":1", f + ":5");
    assertThat(r.errors()).extracting(InputError::where).containsExactly(f + ":2", f + ":3", f + ":4");
    assertThat(r.errors().get(0).reason()).startsWith("invalid JSON");
    assertThat(r.errors().get(1).reason()).contains("spanId is not a hex string");
    assertThat(r.errors().get(2).reason()).contains("no resourceSpans, resourceLogs or resourceMetrics");
  }

  @Test
  void aPrettyPrintedBodyWithSpansAndLogsGivesBothSignals() throws IOException {
    String spans = OtlpJson.print(SPANS);
    String logsJson = OtlpJson.print(LOGS);
    String doc = "{\n  \"resourceSpans\": " + spans.substring(spans.indexOf('['), spans.length() - 1)
        + ",\n  \"resourceLogs\": " + logsJson.substring(logsJson.indexOf('['), logsJson.length() - 1) + "\n}\n";
    InputReader.Result r = read(write("body.json", doc));
    assertThat(r.errors()).isEmpty();
    assertThat(r.requests()).extracting(InputRequest::message).containsExactly(SPANS, LOGS);
  }

  @Test
  void aSyntaxErrorInAPrettyDocumentNamesItsLine() throws IOException {
    Path f = write("body.json", "{\n  \"resourceSpans\": [\n    {\"scopeSpans\": [}\n  ]\n}\n");
    InputReader.Result r = read(f);
    assertThat(r.requests()).isEmpty();
    assertThat(r.errors()).singleElement().satisfies(e -> {
      assertThat(e.where()).isEqualTo(f + ":3");
      assertThat(e.reason()).startsWith("invalid JSON");
    });
  }

  @Test
  void anOrderedRecordingKeepsArrivalTimesAndReadsJsonAndProtobufBodies() throws IOException {
    String json = "{\"_recorded\": {\"producer\": \"x\"}, \"requests\": ["
        + "{\"seq\": 0, \"arrivedUnixMs\": 1000, \"signal\": \"traces\", \"transport\": \"http/json\", \"json\": " + OtlpJson.print(SPANS) + "},"
        + "{\"seq\": 1, \"arrivedUnixMs\": 3500, \"signal\": \"logs\", \"transport\": \"grpc\", \"protobufBase64\": \""
        + Base64.getEncoder().encodeToString(LOGS.toByteArray()) + "\"},"
        + "{\"seq\": 2, \"arrivedUnixMs\": 3600, \"signal\": \"profiles\", \"json\": {}}]}";
    Path f = write("recording.json", json);
    InputReader.Result r = read(f);
    assertThat(r.requests()).extracting(InputRequest::message).containsExactly(SPANS, LOGS);
    assertThat(r.requests()).extracting(InputRequest::arrivedUnixMs).containsExactly(1000L, 3500L);
    assertThat(r.errors()).singleElement().satisfies(e -> {
      assertThat(e.where()).isEqualTo(f + ":1 requests[2]");
      assertThat(e.reason()).contains("traces, logs or metrics");
    });
  }

  @Test
  void aProtobufBodyIsReadAsTheSignalItHolds() throws IOException {
    InputReader.Result r = read(write("t.bin", SPANS.toByteArray()), write("l.bin", LOGS.toByteArray()), write("m.bin", METRICS.toByteArray()));
    assertThat(r.errors()).isEmpty();
    assertThat(r.requests()).extracting(InputRequest::signal).containsExactly(Signal.TRACES, Signal.LOGS, Signal.METRICS);
    assertThat(r.requests()).extracting(InputRequest::message).containsExactly(SPANS, LOGS, METRICS);
  }

  @Test
  void sizePrefixedProtobufAsTheCollectorFileExporterWritesItGivesEachMessage() throws IOException {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    for (byte[] m : List.of(SPANS.toByteArray(), LOGS.toByteArray(), SPANS.toByteArray())) {
      b.write(ByteBuffer.allocate(4).putInt(m.length).array());
      b.write(m);
    }
    Path f = write("collector.binpb", b.toByteArray());
    InputReader.Result r = read(f);
    assertThat(r.errors()).isEmpty();
    assertThat(r.requests()).extracting(InputRequest::signal).containsExactly(Signal.TRACES, Signal.LOGS, Signal.TRACES);
    assertThat(r.requests()).extracting(InputRequest::where).containsExactly(f + " message 1", f + " message 2", f + " message 3");
  }

  @Test
  void gzipIsUnpackedFirst() throws IOException {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    try (GZIPOutputStream gz = new GZIPOutputStream(b)) {
      gz.write((OtlpJson.print(LOGS) + "\n").getBytes(StandardCharsets.UTF_8));
    }
    InputReader.Result r = read(write("out.jsonl.gz", b.toByteArray()));
    assertThat(r.errors()).isEmpty();
    assertThat(r.requests()).extracting(InputRequest::message).containsExactly(LOGS);
  }

  @Test
  void unreadableFilesAreNamed() throws IOException {
    Path garbage = write("garbage.bin", new byte[] {0x0a, 0x7f, 0x01});
    Path missing = dir.resolve("missing.jsonl");
    InputReader.Result r = read(garbage, missing);
    assertThat(r.requests()).isEmpty();
    assertThat(r.errors()).extracting(InputError::where).containsExactly(garbage.toString(), missing.toString());
    assertThat(r.errors().get(0).reason()).startsWith("not OTLP protobuf");
    assertThat(r.errors().get(1).reason()).startsWith("cannot read");
  }
}
