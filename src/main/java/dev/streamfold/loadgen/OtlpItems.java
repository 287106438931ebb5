package dev.streamfold.loadgen;

import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.InstrumentationScope;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.logs.v1.LogRecord;
import io.opentelemetry.proto.logs.v1.SeverityNumber;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.proto.trace.v1.Status;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Builds the OTLP messages of a {@link VirtualStream}: chunk spans, the stream span (with chunk
 * events for shape B), chunk log records and shape D summary spans. Everything that does not
 * depend on the stream (resources, scopes, label attributes, chunk span names) is built once.
 * Immutable after construction apart from the name cache; one per worker thread.
 */
final class OtlpItems {
  static final String CHUNK_EVENT = "gen_ai.content.completion.chunk";
  static final String SENT_ATTRIBUTE = "loadgen.sent_unix_nano";
  static final String CHUNK_TOKENS = "llm_stream.chunk.tokens";
  /** streamfold's own chunk position attributes: a log chunk's index, the stream span's chunk total. */
  static final String CHUNK_INDEX = "llm_stream.chunk.index";
  static final String CHUNK_TOTAL = "llm_stream.chunk.total";
  private static final int NAME_CACHE = 4096;

  private final LoadGenOptions options;
  private final Resource[] resources;
  private final InstrumentationScope[] scopes;
  /** Per model: the constant attributes of a stream span. */
  private final List<List<KeyValue>> streamSpanLabels = new ArrayList<>();
  private final List<List<KeyValue>> summaryLabels = new ArrayList<>();
  private final String[] streamSpanNames;
  private final String[] chunkNames = new String[NAME_CACHE];
  private final KeyValue[] tokenAttributes = new KeyValue[4];

  OtlpItems(LoadGenOptions options) {
    this.options = options;
    resources = new Resource[options.services.size()];
    for (int i = 0; i < resources.length; i++) {
      resources[i] = Resource.newBuilder()
          .addAttributes(str("service.name", options.services.get(i)))
          .addAttributes(str("service.instance.id", "loadgen-" + i))
          .addAttributes(str("telemetry.sdk.name", "opentelemetry"))
          .addAttributes(str("telemetry.sdk.language", "python"))
          .addAttributes(str("telemetry.sdk.version", "1.38.0"))
          .build();
    }
    scopes = new InstrumentationScope[] {
        scope("burr.integrations.opentelemetry", "0.40.2"),
        scope("opentelemetry.instrumentation.openai.v1", "0.47.3"),
        scope("opentelemetry.instrumentation.openai_v2", "2.1b0"),
        scope("qwen-code", "0.1.0"),
    };
    streamSpanNames = new String[options.models.size()];
    for (int m = 0; m < options.models.size(); m++) {
      String model = options.models.get(m);
      streamSpanNames[m] = "chat " + model;
      streamSpanLabels.add(List.of(
          str("gen_ai.operation.name", "chat"),
          str("gen_ai.provider.name", provider(model)),
          str("gen_ai.request.model", model),
          str("gen_ai.response.model", model + "-2025-01-01"),
          KeyValue.newBuilder().setKey("gen_ai.request.stream").setValue(AnyValue.newBuilder().setBoolValue(true)).build()));
      summaryLabels.add(List.of(
          str("qwen-code.model", model),
          str("gen_ai.request.model", model),
          str("gen_ai.operation.name", "chat")));
    }
    for (int t = 0; t < tokenAttributes.length; t++) {
      tokenAttributes[t] = num(CHUNK_TOKENS, t);
    }
  }

  Resource resource(int service) {
    return resources[service];
  }

  InstrumentationScope scope(Shape shape) {
    return scopes[shape.ordinal()];
  }

  /** Chunk span {@code i} (shape A): parent = stream span, ends at the chunk time. */
  Span chunkSpan(VirtualStream s, int i, byte[] spanIdOut) {
    long end = s.chunkTimes[i];
    long begin = i == 0 ? s.start + (end - s.start) / 100 : s.chunkTimes[i - 1] + (end - s.chunkTimes[i - 1]) / 20;
    Span.Builder b = Span.newBuilder()
        .setTraceId(s.traceId)
        .setSpanId(com.google.protobuf.UnsafeByteOperations.unsafeWrap(spanIdOut))
        .setParentSpanId(s.spanId)
        .setName(chunkName(i))
        .setKind(Span.SpanKind.SPAN_KIND_INTERNAL)
        .setStartTimeUnixNano(begin)
        .setEndTimeUnixNano(end);
    if (options.chunkTokens) {
      b.addAttributes(tokenAttributes[s.chunkTokens(i)]);
    }
    return b.build();
  }

  /** Chunk log record {@code i} (shape C) with the stream span's context. */
  LogRecord chunkLog(VirtualStream s, int i) {
    long t = s.chunkTimes[i];
    LogRecord.Builder b = LogRecord.newBuilder()
        .setTimeUnixNano(t)
        .setObservedTimeUnixNano(t)
        .setEventName(CHUNK_EVENT)
        .setSeverityNumber(SeverityNumber.SEVERITY_NUMBER_INFO)
        .setTraceId(s.traceId)
        .setSpanId(s.spanId)
        .setFlags(1)
        .addAttributes(num(CHUNK_INDEX, i));
    if (options.chunkTokens) {
      b.addAttributes(tokenAttributes[s.chunkTokens(i)]);
    }
    return b.build();
  }

  /**
   * The stream span (shapes A, B, C). For shape B it carries all chunk events and counts their
   * tokens; for A and C the tokens were counted while the chunks were emitted, and it states how
   * many chunks it had ({@code llm_stream.chunk.total}), so a window that sees only some of them
   * (a scale-out split) says so.
   */
  Span streamSpan(VirtualStream s, long sentEpochNanos) {
    Span.Builder b = Span.newBuilder()
        .setTraceId(s.traceId)
        .setSpanId(s.spanId)
        .setName(streamSpanNames[s.model])
        .setKind(Span.SpanKind.SPAN_KIND_CLIENT)
        .setStartTimeUnixNano(s.start)
        .setEndTimeUnixNano(s.end)
        .addAllAttributes(streamSpanLabels.get(s.model));
    if (s.shape == Shape.B) {
      int tokens = 0;
      for (int i = 0; i < s.chunks; i++) {
        Span.Event.Builder e = Span.Event.newBuilder().setName(CHUNK_EVENT).setTimeUnixNano(s.chunkTimes[i]);
        int t = s.chunkTokens(i);
        tokens += t;
        if (options.chunkTokens) {
          e.addAttributes(tokenAttributes[t]);
        }
        b.addEvents(e);
      }
      s.outputTokens = tokens;
    } else {
      b.addAttributes(num(CHUNK_TOTAL, s.chunks));
    }
    b.addAttributes(num("gen_ai.usage.input_tokens", s.inputTokens))
        .addAttributes(num("gen_ai.usage.output_tokens", s.outputTokens))
        .addAttributes(num(SENT_ATTRIBUTE, sentEpochNanos));
    status(b, s);
    return b.build();
  }

  /** A qwen-code style summary span (shape D). */
  Span summarySpan(VirtualStream s, long sentEpochNanos) {
    long durationMs = (s.end - s.start) / 1_000_000;
    long ttftMs = s.summaryTtftNanos / 1_000_000;
    long samplingMs = Math.max(0, durationMs - ttftMs);
    int out = s.summaryOutputTokens;
    Span.Builder b = Span.newBuilder()
        .setTraceId(s.traceId)
        .setSpanId(s.spanId)
        .setName("qwen-code.llm_request")
        .setKind(Span.SpanKind.SPAN_KIND_INTERNAL)
        .setStartTimeUnixNano(s.start)
        .setEndTimeUnixNano(s.end)
        .addAllAttributes(summaryLabels.get(s.model))
        .addAttributes(num("input_tokens", s.inputTokens))
        .addAttributes(num("output_tokens", out))
        .addAttributes(num("gen_ai.usage.input_tokens", s.inputTokens))
        .addAttributes(num("gen_ai.usage.output_tokens", out))
        .addAttributes(num("ttft_ms", ttftMs))
        .addAttributes(dbl("gen_ai.server.time_to_first_token", ttftMs / 1000.0))
        .addAttributes(num("sampling_ms", samplingMs));
    if (samplingMs > 0) {
      b.addAttributes(dbl("output_tokens_per_second", Math.round(out / (samplingMs / 1000.0) * 100) / 100.0));
    }
    b.addAttributes(num(SENT_ATTRIBUTE, sentEpochNanos));
    status(b, s);
    return b.build();
  }

  private static void status(Span.Builder b, VirtualStream s) {
    if (s.error) {
      b.setStatus(Status.newBuilder().setCode(Status.StatusCode.STATUS_CODE_ERROR).setMessage("upstream stream reset"));
      b.addAttributes(str("error.type", "StreamResetError"));
    }
  }

  String chunkName(int i) {
    if (i >= NAME_CACHE) {
      return options.action + "::chunk_" + i;
    }
    String n = chunkNames[i];
    if (n == null) {
      n = options.action + "::chunk_" + i;
      chunkNames[i] = n;
    }
    return n;
  }

  static String provider(String model) {
    String m = model.toLowerCase(Locale.ROOT);
    if (m.startsWith("claude")) {
      return "anthropic";
    }
    if (m.startsWith("gemini")) {
      return "gcp.gemini";
    }
    if (m.startsWith("mistral") || m.startsWith("codestral")) {
      return "mistral_ai";
    }
    return "openai";
  }

  private static InstrumentationScope scope(String name, String version) {
    return InstrumentationScope.newBuilder().setName(name).setVersion(version).build();
  }

  static KeyValue str(String key, String value) {
    return KeyValue.newBuilder().setKey(key).setValue(AnyValue.newBuilder().setStringValue(value)).build();
  }

  static KeyValue num(String key, long value) {
    return KeyValue.newBuilder().setKey(key).setValue(AnyValue.newBuilder().setIntValue(value)).build();
  }

  static KeyValue dbl(String key, double value) {
    return KeyValue.newBuilder().setKey(key).setValue(AnyValue.newBuilder().setDoubleValue(value)).build();
  }
}
