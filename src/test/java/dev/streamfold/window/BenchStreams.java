package dev.streamfold.window;

import com.google.protobuf.ByteString;
import dev.streamfold.testing.Otlp;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.trace.v1.Span;
import java.util.ArrayList;
import java.util.List;

/**
 * The window benchmarks' input: {@code pool} pairs of requests, the first holding
 * {@code streams} Burr-shaped streams of {@code chunks} chunk spans each (20 ms apart, 3 tokens
 * each), the second their stream spans; every stream in its own trace.
 */
record BenchStreams(ExportTraceServiceRequest[] chunkRequests, ExportTraceServiceRequest[] streamRequests) {
  static BenchStreams build(int pool, int streams, int chunks) {
    ExportTraceServiceRequest[] chunkRequests = new ExportTraceServiceRequest[pool];
    ExportTraceServiceRequest[] streamRequests = new ExportTraceServiceRequest[pool];
    long idSeq = 1;
    for (int r = 0; r < pool; r++) {
      List<Span> chunkSpans = new ArrayList<>();
      List<Span> parents = new ArrayList<>();
      for (int s = 0; s < streams; s++) {
        ByteString trace = Otlp.trace(r * streams + s + 1);
        ByteString streamId = Otlp.id(idSeq++);
        for (int c = 0; c < chunks; c++) {
          chunkSpans.add(Otlp.span(trace, Otlp.id(idSeq++), streamId, "respond::chunk_" + c, c * 20, c * 20 + 15)
              .addAttributes(Otlp.kv("llm_stream.chunk.tokens", 3L)).build());
        }
        parents.add(Otlp.span(trace, streamId, null, "respond", 0, chunks * 20 + 10)
            .addAttributes(Otlp.kv("gen_ai.request.model", "gpt-4o")).build());
      }
      chunkRequests[r] = Otlp.traces(chunkSpans.toArray(new Span[0]));
      streamRequests[r] = Otlp.traces(parents.toArray(new Span[0]));
    }
    return new BenchStreams(chunkRequests, streamRequests);
  }
}
