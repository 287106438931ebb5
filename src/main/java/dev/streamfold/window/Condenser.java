package dev.streamfold.window;

import com.google.protobuf.ByteString;
import dev.streamfold.derive.DerivedStream;
import dev.streamfold.derive.StreamLabels;
import dev.streamfold.otlp.Attributes;
import io.opentelemetry.proto.common.v1.InstrumentationScope;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.proto.trace.v1.Status;
import java.util.ArrayList;
import java.util.List;

/** Builds condensed and synthetic spans and metric labels from derived figures. Stateless. */
final class Condenser {
  static final String SCOPE_NAME = "dev.streamfold";
  static final InstrumentationScope SCOPE = InstrumentationScope.newBuilder().setName(SCOPE_NAME).build();
  static final String INCOMPLETE_NAME = "llm_stream.incomplete";

  private Condenser() {}

  /** The stream span with chunk events removed and the derived attributes added. */
  static Span condensed(Span streamSpan, DerivedStream d, boolean late, Recognizer rec) {
    Span.Builder b = streamSpan.toBuilder();
    boolean hasChunkEvents = false;
    for (Span.Event e : streamSpan.getEventsList()) {
      if (rec.isChunkEvent(e)) {
        hasChunkEvents = true;
        break;
      }
    }
    if (hasChunkEvents) {
      b.clearEvents();
      for (Span.Event e : streamSpan.getEventsList()) {
        if (!rec.isChunkEvent(e)) {
          b.addEvents(e);
        }
      }
    }
    List<KeyValue> derived = attributes(d, late);
    List<KeyValue> kept = new ArrayList<>(streamSpan.getAttributesCount() + derived.size() + 3);
    for (KeyValue kv : streamSpan.getAttributesList()) {
      // derived values win for llm_stream.*; the producer's own keys stay
      if (!(kv.getKey().startsWith("llm_stream.") && contains(derived, kv.getKey()))) {
        kept.add(kv);
      }
    }
    kept.addAll(derived);
    List<KeyValue> orig = streamSpan.getAttributesList();
    if (!Attributes.has(orig, "gen_ai.request.stream")) {
      kept.add(Attributes.of("gen_ai.request.stream", true));
    }
    if (d.ttftMs() != null && !Attributes.has(orig, "gen_ai.response.time_to_first_chunk")) {
      kept.add(Attributes.of("gen_ai.response.time_to_first_chunk", d.ttftMs() / 1000.0));
    }
    if (d.outputTokens() != null
        && d.tokenSource() == dev.streamfold.derive.TokenSource.CHUNK_ATTRIBUTES
        && !Attributes.has(orig, "gen_ai.usage.output_tokens")) {
      kept.add(Attributes.of("gen_ai.usage.output_tokens", d.outputTokens()));
    }
    b.clearAttributes().addAllAttributes(kept);
    return b.build();
  }

  /** The {@code llm_stream.incomplete} span of a stream closed without its stream span. */
  static Span synthetic(ByteString traceId, long streamId, long newSpanId, long start, long end, DerivedStream d) {
    return Span.newBuilder()
        .setTraceId(traceId)
        .setSpanId(Ids.spanIdBytes(newSpanId))
        .setParentSpanId(Ids.spanIdBytes(streamId))
        .setName(INCOMPLETE_NAME)
        .setKind(Span.SpanKind.SPAN_KIND_INTERNAL)
        .setStartTimeUnixNano(start)
        .setEndTimeUnixNano(end)
        .setStatus(Status.getDefaultInstance())
        .addAllAttributes(attributes(d, false))
        .build();
  }

  static List<KeyValue> attributes(DerivedStream d, boolean late) {
    List<KeyValue> a = new ArrayList<>(24);
    if (d.chunkCount() != null) {
      a.add(Attributes.of("llm_stream.chunk.count", d.chunkCount()));
    }
    put(a, "llm_stream.ttft_ms", d.ttftMs());
    put(a, "llm_stream.duration_ms", d.durationMs());
    put(a, "llm_stream.sampling_ms", d.samplingMs());
    if (d.outputTokens() != null) {
      a.add(Attributes.of("llm_stream.output_tokens", d.outputTokens()));
    }
    put(a, "llm_stream.output_tokens_per_second", d.outputTokensPerSecond());
    put(a, "llm_stream.time_per_output_token_ms", d.timePerOutputTokenMs());
    put(a, "llm_stream.chunks_per_second", d.chunksPerSecond());
    put(a, "llm_stream.chunk.interval.min_ms", d.intervalMinMs());
    put(a, "llm_stream.chunk.interval.max_ms", d.intervalMaxMs());
    put(a, "llm_stream.chunk.interval.avg_ms", d.intervalAvgMs());
    put(a, "llm_stream.generation_time_ms", d.generationTimeMs());
    put(a, "llm_stream.consumer_time_ms", d.consumerTimeMs());
    a.add(Attributes.of("llm_stream.token_source", d.tokenSource().label()));
    a.add(Attributes.of("llm_stream.input_shape", d.inputShape().label()));
    a.add(Attributes.of("llm_stream.complete", d.complete()));
    a.add(Attributes.of("llm_stream.end_reason", d.endReason().label()));
    if (d.chunksTruncated()) {
      a.add(Attributes.of("llm_stream.chunks_truncated", true));
    }
    if (d.missingChunks() != null) {
      a.add(Attributes.of("llm_stream.chunk.missing", d.missingChunks()));
    }
    if (d.inputTokens() != null) {
      a.add(Attributes.of("llm_stream.input_tokens", d.inputTokens()));
    }
    if (d.cacheReadTokens() != null) {
      a.add(Attributes.of("llm_stream.cache_read_input_tokens", d.cacheReadTokens()));
    }
    if (d.reasoningTokens() != null) {
      a.add(Attributes.of("llm_stream.reasoning_tokens", d.reasoningTokens()));
    }
    if (late) {
      a.add(Attributes.of("llm_stream.late", true));
    }
    return a;
  }

  /** Metric labels of SPEC 4 from the resource and the stream span (or the first chunk). */
  static StreamLabels labels(Resource resource, Span labelSource, boolean isStreamSpan) {
    String service = resource == null ? "" : Attributes.string(resource.getAttributesList(), "service.name");
    if (labelSource == null) {
      return new StreamLabels(service, "", "", "", "", "");
    }
    List<KeyValue> a = labelSource.getAttributesList();
    String provider = Attributes.string(a, "gen_ai.provider.name");
    if (provider.isEmpty()) {
      provider = Attributes.string(a, "gen_ai.system");
    }
    String errorType = "";
    if (isStreamSpan && labelSource.getStatus().getCode() == Status.StatusCode.STATUS_CODE_ERROR) {
      errorType = errorType(labelSource);
    }
    return new StreamLabels(
        service,
        Attributes.string(a, "gen_ai.operation.name"),
        provider,
        Attributes.string(a, "gen_ai.request.model"),
        Attributes.string(a, "gen_ai.response.model"),
        errorType);
  }

  /** {@code error.type} attribute, else the first exception event's type, else {@code _OTHER}. */
  static String errorType(Span s) {
    String t = Attributes.string(s.getAttributesList(), "error.type");
    if (!t.isEmpty()) {
      return t;
    }
    for (Span.Event e : s.getEventsList()) {
      if (e.getName().equals("exception")) {
        String et = Attributes.string(e.getAttributesList(), "exception.type");
        if (!et.isEmpty()) {
          return et;
        }
      }
    }
    return "_OTHER";
  }

  private static void put(List<KeyValue> a, String key, Double v) {
    if (v != null) {
      a.add(Attributes.of(key, v));
    }
  }

  private static boolean contains(List<KeyValue> a, String key) {
    for (KeyValue kv : a) {
      if (kv.getKey().equals(key)) {
        return true;
      }
    }
    return false;
  }
}
