package dev.streamfold.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import dev.streamfold.otlp.Attributes;
import dev.streamfold.testing.Otlp;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.trace.v1.Span;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A deterministic mix of streams (shape A: chunk spans plus an announced stream span, held for
 * finalize_grace) and plain spans, and the oracle for what the downstream must receive: every
 * plain span once and unchanged, one condensed span per stream with all its chunks counted, no
 * chunk span. {@code ns} keeps the ids of different workloads apart. Immutable.
 */
final class Workload {
  final int ns;
  final int streams;
  final int chunks;
  final int plain;
  final int plainPerRequest;
  private final List<Span> plainSpans = new ArrayList<>();
  private final List<ByteString> streamIds = new ArrayList<>();
  private final List<ExportTraceServiceRequest> requests = new ArrayList<>();

  Workload(int ns, int streams, int chunks, int plain, int plainPerRequest) {
    this.ns = ns;
    this.streams = streams;
    this.chunks = chunks;
    this.plain = plain;
    this.plainPerRequest = plainPerRequest;
    for (int s = 0; s < streams; s++) {
      ByteString trace = Otlp.trace(ns * 100_000 + s);
      ByteString streamId = id(s, 0);
      streamIds.add(streamId);
      List<Span> spans = new ArrayList<>();
      for (int k = 0; k < chunks; k++) {
        spans.add(Otlp.span(trace, id(s, k + 1), streamId, "respond::chunk_" + k, 100 + k * 20, 110 + k * 20).build());
      }
      spans.add(Otlp.span(trace, streamId, null, "chat", 0, 100 + chunks * 20)
          .addAttributes(Attributes.of("gen_ai.request.stream", true))
          .addAttributes(Attributes.of("gen_ai.request.model", "m-" + ns)).build());
      requests.add(Otlp.traces(spans.toArray(Span[]::new)));
    }
    List<Span> batch = new ArrayList<>();
    for (int p = 0; p < plain; p++) {
      Span span = Otlp.span(Otlp.trace(ns * 100_000 + 50_000 + p), id(50_000 + p, 0), null, "plain-" + ns + "-" + p, 0, 5)
          .addAttributes(Attributes.of("i", (long) p)).build();
      plainSpans.add(span);
      batch.add(span);
      if (batch.size() == plainPerRequest || p == plain - 1) {
        requests.add(Otlp.traces(batch.toArray(Span[]::new)));
        batch.clear();
      }
    }
  }

  private ByteString id(int a, int b) {
    return Otlp.id(((long) ns << 44) | ((long) a << 20) | b);
  }

  /** Requests to send, streams first (one request per stream), then the plain spans in batches. */
  List<ExportTraceServiceRequest> requests() {
    return requests;
  }

  /** Spans the downstream must receive: one per stream plus every plain span. */
  int expectedSpans() {
    return streams + plain;
  }

  /** Spans sent, chunk spans included. */
  int sentSpans() {
    return streams * (chunks + 1) + plain;
  }

  /**
   * Asserts that {@code got} holds exactly what this workload must produce, each exactly once
   * (spans of other workloads are ignored).
   *
   * @return the number of this workload's spans found
   */
  int assertExactlyOnce(List<Span> got) {
    Map<ByteString, List<Span>> bySpanId = new HashMap<>();
    for (Span s : got) {
      bySpanId.computeIfAbsent(s.getSpanId(), k -> new ArrayList<>()).add(s);
    }
    int found = 0;
    for (Span p : plainSpans) {
      List<Span> match = bySpanId.getOrDefault(p.getSpanId(), List.of());
      assertThat(match).as("plain span %s", p.getName()).containsExactly(p);
      found++;
    }
    for (ByteString id : streamIds) {
      List<Span> match = bySpanId.getOrDefault(id, List.of());
      assertThat(match).as("condensed span of stream %s", Harness.hex(id)).hasSize(1);
      Span c = match.get(0);
      assertThat(Harness.lng(c, "llm_stream.chunk.count")).isEqualTo(chunks);
      assertThat(Harness.bool(c, "llm_stream.complete")).isTrue();
      found++;
    }
    String chunkPrefix = "respond::chunk_";
    assertThat(got).noneMatch(s -> s.getName().startsWith(chunkPrefix));
    return found;
  }

  /** How many of this workload's expected spans (distinct) are in {@code got}. */
  long countIn(List<Span> got) {
    java.util.Set<ByteString> want = new java.util.HashSet<>(streamIds);
    plainSpans.forEach(p -> want.add(p.getSpanId()));
    return got.stream().map(Span::getSpanId).filter(want::contains).distinct().count();
  }
}
