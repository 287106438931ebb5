package dev.streamfold.bench;

import dev.streamfold.loadgen.SampleTelemetry;
import io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Receiver decode: parse an OTLP export request of 100 items from its wire bytes, as the gRPC
 * and HTTP receivers do before anything else. {@code shape} A = Burr chunk spans (2 streams x
 * 49 chunks + their stream spans), D = 100 qwen-code summary spans (about 15 attributes each).
 * Divide the score by 100 for the cost per span.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
public class ReceiverDecodeBenchmark {
  @Param({"A", "D"})
  public String shape;

  private byte[] traces;
  private byte[] logs;

  @Setup
  public void setup() {
    ExportTraceServiceRequest req = shape.equals("A")
        ? SampleTelemetry.traces("A", 2, 49, 1)
        : SampleTelemetry.traces(shape, 100, 20, 1);
    traces = req.toByteArray();
    logs = SampleTelemetry.chunkLogs(2, 50, 1).toByteArray();
  }

  @Benchmark
  public ExportTraceServiceRequest decodeTraces100() throws IOException {
    return ExportTraceServiceRequest.parseFrom(traces);
  }

  /** The same through an InputStream, the way gRPC's protobuf marshaller reads a message. */
  @Benchmark
  public ExportTraceServiceRequest decodeTraces100FromStream() throws IOException {
    return ExportTraceServiceRequest.parseFrom(new ByteArrayInputStream(traces));
  }

  /** 100 shape C chunk log records (independent of {@code shape}). */
  @Benchmark
  public ExportLogsServiceRequest decodeChunkLogs100() throws IOException {
    return ExportLogsServiceRequest.parseFrom(logs);
  }
}
