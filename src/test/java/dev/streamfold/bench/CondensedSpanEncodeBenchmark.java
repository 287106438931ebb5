package dev.streamfold.bench;

import com.google.protobuf.ByteString;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.proto.trace.v1.Status;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Condensed span encoding: the stream span as received (8 attributes) plus the derived
 * {@code llm_stream.*} / semconv attributes of SPEC 2 (26 in all), built with the protobuf
 * builder and serialized, as the window emits and the exporter writes it once per stream.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
public class CondensedSpanEncodeBenchmark {
  private Span received;
  private Span condensed;
  private long counter;

  @Setup
  public void setup() {
    received = Span.newBuilder()
        .setTraceId(ByteString.copyFrom(new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16}))
        .setSpanId(ByteString.copyFrom(new byte[] {1, 2, 3, 4, 5, 6, 7, 8}))
        .setName("chat gpt-4o")
        .setKind(Span.SpanKind.SPAN_KIND_CLIENT)
        .setStartTimeUnixNano(1_767_225_600_000_000_000L)
        .setEndTimeUnixNano(1_767_225_601_412_000_000L)
        .addAllAttributes(List.of(
            str("gen_ai.operation.name", "chat"),
            str("gen_ai.provider.name", "openai"),
            str("gen_ai.request.model", "gpt-4o"),
            str("gen_ai.response.model", "gpt-4o-2025-01-01"),
            bool("gen_ai.request.stream", true),
            num("gen_ai.usage.input_tokens", 812),
            num("gen_ai.usage.output_tokens", 97),
            num("loadgen.sent_unix_nano", 1_767_225_601_413_000_000L)))
        .setStatus(Status.newBuilder().setCode(Status.StatusCode.STATUS_CODE_UNSET))
        .build();
    condensed = build(0);
  }

  private Span build(long salt) {
    return received.toBuilder()
        .addAttributes(num("llm_stream.chunk.count", 50))
        .addAttributes(dbl("llm_stream.ttft_ms", 402.118 + (salt & 7)))
        .addAttributes(dbl("llm_stream.duration_ms", 1412.0))
        .addAttributes(dbl("llm_stream.sampling_ms", 981.25))
        .addAttributes(num("llm_stream.output_tokens", 97))
        .addAttributes(dbl("llm_stream.output_tokens_per_second", 98.85))
        .addAttributes(dbl("llm_stream.time_per_output_token_ms", 10.2213))
        .addAttributes(dbl("llm_stream.chunks_per_second", 50.96))
        .addAttributes(dbl("llm_stream.chunk.interval.min_ms", 9.87))
        .addAttributes(dbl("llm_stream.chunk.interval.max_ms", 30.02))
        .addAttributes(dbl("llm_stream.chunk.interval.avg_ms", 20.03))
        .addAttributes(dbl("llm_stream.generation_time_ms", 1320.4))
        .addAttributes(dbl("llm_stream.consumer_time_ms", 61.7))
        .addAttributes(str("llm_stream.token_source", "usage"))
        .addAttributes(str("llm_stream.input_shape", "chunk_spans"))
        .addAttributes(bool("llm_stream.complete", true))
        .addAttributes(str("llm_stream.end_reason", "stream_end"))
        .addAttributes(dbl("gen_ai.response.time_to_first_chunk", 0.402118))
        .build();
  }

  /** Build the condensed span from the received one and serialize it. */
  @Benchmark
  public byte[] buildAndSerialize() {
    return build(counter++).toByteArray();
  }

  /** Serialize an already built span (size memoized after the first call, as for a real export). */
  @Benchmark
  public byte[] serializeOnly() {
    return condensed.toByteArray();
  }

  private static KeyValue str(String k, String v) {
    return KeyValue.newBuilder().setKey(k).setValue(AnyValue.newBuilder().setStringValue(v)).build();
  }

  private static KeyValue num(String k, long v) {
    return KeyValue.newBuilder().setKey(k).setValue(AnyValue.newBuilder().setIntValue(v)).build();
  }

  private static KeyValue dbl(String k, double v) {
    return KeyValue.newBuilder().setKey(k).setValue(AnyValue.newBuilder().setDoubleValue(v)).build();
  }

  private static KeyValue bool(String k, boolean v) {
    return KeyValue.newBuilder().setKey(k).setValue(AnyValue.newBuilder().setBoolValue(v)).build();
  }
}
