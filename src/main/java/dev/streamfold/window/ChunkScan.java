package dev.streamfold.window;

import dev.streamfold.otlp.Attributes;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import java.util.List;

/**
 * What one pass over a span's attributes finds for the chunk path (one scan, not one lookup per
 * key).
 *
 * @param isChunk {@code llm_stream.is_chunk=true}
 * @param streamId the {@code llm_stream.stream_id} override, or 0
 * @param delta per-chunk {@code llm_stream.chunk.tokens}, or -1
 * @param cumulative cumulative {@code gen_ai.usage.output_tokens}, or -1
 * @param labels whether it names a model, provider, system or operation (metric labels)
 * @param index {@code llm_stream.chunk.index}, or -1
 */
record ChunkScan(boolean isChunk, long streamId, int delta, long cumulative, boolean labels, long index) {
  static ChunkScan of(List<KeyValue> attrs) {
    boolean isChunk = false;
    long streamId = 0;
    int delta = -1;
    long cumulative = -1;
    boolean labels = false;
    long index = -1;
    for (int i = 0, n = attrs.size(); i < n; i++) {
      KeyValue kv = attrs.get(i);
      switch (kv.getKey()) {
        case Recognizer.IS_CHUNK -> isChunk = Attributes.isTrue(kv.getValue());
        case Recognizer.STREAM_ID -> streamId = Ids.parseStreamId(Attributes.string(kv.getValue()));
        case "llm_stream.chunk.tokens" -> delta = clampDelta(Attributes.count(kv.getValue()));
        case "gen_ai.usage.output_tokens" -> cumulative = Attributes.count(kv.getValue());
        case Recognizer.CHUNK_INDEX -> index = Attributes.count(kv.getValue());
        case "gen_ai.request.model", "gen_ai.provider.name", "gen_ai.system", "gen_ai.operation.name" -> labels = true;
        default -> { }
      }
    }
    return new ChunkScan(isChunk, streamId, delta, cumulative, labels, index);
  }

  /** A per-chunk token delta from an attribute list, or -1. */
  static int delta(List<KeyValue> attrs) {
    return clampDelta(Attributes.count(attrs, "llm_stream.chunk.tokens"));
  }

  /** The {@code llm_stream.stream_id} override in an attribute list, or 0. */
  static long streamIdOf(List<KeyValue> attrs) {
    AnyValue v = Attributes.find(attrs, Recognizer.STREAM_ID);
    return v == null ? 0 : Ids.parseStreamId(Attributes.string(v));
  }

  /** Cumulative {@code gen_ai.usage.output_tokens} in an attribute list, or -1. */
  static long cumulativeOf(List<KeyValue> attrs) {
    return Attributes.count(attrs, "gen_ai.usage.output_tokens");
  }

  private static int clampDelta(long d) {
    return d > Integer.MAX_VALUE ? Integer.MAX_VALUE : (int) d;
  }
}
