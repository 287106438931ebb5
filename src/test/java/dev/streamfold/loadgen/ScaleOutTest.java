package dev.streamfold.loadgen;

import static dev.streamfold.loadgen.ScaleOutCluster.hex;
import static dev.streamfold.loadgen.ScaleOutCluster.name;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.streamfold.otlp.Attributes;
import io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.logs.v1.LogRecord;
import io.opentelemetry.proto.logs.v1.ResourceLogs;
import io.opentelemetry.proto.logs.v1.ScopeLogs;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * Scale-out by trace id, as the Collector's loadbalancing exporter does it: the same
 * deterministic input sent to one instance and spread over three on the hash ring gives the same
 * output; a fourth instance added mid-run splits only the streams open at that moment.
 *
 * <p>Both halves of a split stream say so (asserted below). The half that has the stream span
 * closes with {@code end_reason=stream_end} over the chunks that instance saw, but
 * {@code complete=false} and {@code llm_stream.chunk.missing} = the chunks the other instance got:
 * the chunk indexes (Burr's {@code chunk_N} names, the generator's {@code llm_stream.chunk.index}
 * on log chunks) and the stream span's {@code llm_stream.chunk.total} show which never arrived.
 * The other half closes after {@code idle_timeout} as an {@code llm_stream.incomplete} span
 * ({@code complete=false}, {@code end_reason=idle_timeout}), with {@code chunk.missing} too when
 * its first chunk went elsewhere. Counted in {@code llm_stream_closed_total} by end reason and
 * {@code llm_stream_complete}, and in {@code streamfold_missing_chunks_total}.
 */
class ScaleOutTest {
  static final String[] INPUT = {"--streams", "120", "--shape", "mix", "--chunks-per-stream", "6", "--concurrent-streams",
      "40", "--spans-per-request", "50", "--seed", "4242", "--services", "2"};

  @Test
  void theUnionOfThreeInstancesOutputsIsOneInstancesOutput() throws Exception {
    List<Object> input = ScaleOutCluster.input(INPUT);
    try (ScaleOutCluster single = new ScaleOutCluster(); ScaleOutCluster three = new ScaleOutCluster()) {
      single.start();
      for (int k = 0; k < 3; k++) {
        three.start();
      }
      LoadStats s1 = new LoadStats();
      try (Transport t = single.connect(name(1), s1)) {
        ScaleOutCluster.send(t, input, s1);
      }
      HashRing ring = new HashRing(List.of(name(1), name(2), name(3)));
      LoadStats s3 = new LoadStats();
      RouteCounts routed = new RouteCounts();
      try (Transport t = new RoutingTransport(() -> ring, e -> three.connect(e, s3), routed)) {
        ScaleOutCluster.send(t, input, s3);
      }
      assertThat(s3.get(LoadStats.OK, LoadStats.SPANS)).isEqualTo(s1.get(LoadStats.OK, LoadStats.SPANS));
      assertThat(s3.get(LoadStats.OK, LoadStats.LOGS)).isEqualTo(s1.get(LoadStats.OK, LoadStats.LOGS));

      single.syncAndAdvance(Duration.ofSeconds(3));
      three.syncAndAdvance(Duration.ofSeconds(3));
      await().atMost(Duration.ofSeconds(20)).until(() -> single.outputCount(1) == 120
          && three.outputCount(1) + three.outputCount(2) + three.outputCount(3) == 120);

      Map<String, Span> expected = single.output(1);
      Map<String, Span> union = new HashMap<>();
      for (int k = 1; k <= 3; k++) {
        Map<String, Span> part = three.output(k);
        assertThat(part).as("instance %d gets a share", k).isNotEmpty();
        String me = name(k);
        assertThat(part.values()).allSatisfy(s -> assertThat(ring.endpointFor(s.getTraceId())).isEqualTo(me));
        union.putAll(part);
      }
      assertThat(union).hasSize(expected.size());
      for (Map.Entry<String, Span> e : expected.entrySet()) {
        assertThat(union.get(e.getKey())).as(e.getKey()).isEqualTo(e.getValue());
      }
      // every condensed span carries derived attributes, so the comparison compared derivations
      assertThat(expected.values()).allSatisfy(s -> assertThat(str(s, "llm_stream.end_reason")).isEqualTo("stream_end"));

      // the counters add up too: per instance the conservation law, over instances the single's figures
      for (String unit : new String[] {"span", "span_event", "log_record"}) {
        String u = "unit=\"" + unit + "\"";
        double sumReceived = 0;
        double sumCondensed = 0;
        for (int k = 1; k <= 3; k++) {
          double received = three.metric(k, "streamfold_received_total", u);
          double accounted = three.metric(k, "streamfold_passed_total", u) + three.metric(k, "streamfold_condensed_total", u)
              + three.metric(k, "streamfold_dropped_total", u) + three.metric(k, "streamfold_buffered", u);
          assertThat(accounted).as("instance %d %s", k, unit).isEqualTo(received);
          sumReceived += received;
          sumCondensed += three.metric(k, "streamfold_condensed_total", u);
        }
        assertThat(sumReceived).as(unit).isEqualTo(single.metric(1, "streamfold_received_total", u));
        assertThat(sumCondensed).as(unit).isEqualTo(single.metric(1, "streamfold_condensed_total", u));
      }
    }
  }

  @Test
  void aFourthInstanceAddedMidRunSplitsOnlyTheStreamsOpenThen() throws Exception {
    List<Object> input = ScaleOutCluster.input(INPUT);
    int cut = input.size() / 2;
    List<Object> before = input.subList(0, cut);
    List<Object> after = input.subList(cut, input.size());
    HashRing ring3 = new HashRing(List.of(name(1), name(2), name(3)));
    HashRing ring4 = ring3.with(name(4));

    // from the input alone: per trace, the chunks on each side of the cut and where the stream span is
    Map<String, int[]> chunks = new HashMap<>(); // [before, after]
    Map<String, Integer> streamSpanSide = new HashMap<>();
    Map<String, com.google.protobuf.ByteString> traceIds = new HashMap<>();
    for (int side = 0; side < 2; side++) {
      for (Object r : side == 0 ? before : after) {
        for (Item it : items(r)) {
          traceIds.put(hex(it.traceId), it.traceId);
          if (it.chunk) {
            chunks.computeIfAbsent(hex(it.traceId), k -> new int[2])[side]++;
          } else {
            streamSpanSide.put(hex(it.traceId), side);
          }
        }
      }
    }
    Set<String> open = new HashSet<>(); // items on both sides of the cut
    for (String t : traceIds.keySet()) {
      int[] c = chunks.getOrDefault(t, new int[2]);
      Integer sp = streamSpanSide.get(t);
      boolean hasBefore = c[0] > 0 || Integer.valueOf(0).equals(sp);
      boolean hasAfter = c[1] > 0 || Integer.valueOf(1).equals(sp);
      if (hasBefore && hasAfter) {
        open.add(t);
      }
    }
    Set<String> split = new HashSet<>();
    for (String t : open) {
      if (!ring3.endpointFor(traceIds.get(t)).equals(ring4.endpointFor(traceIds.get(t)))) {
        split.add(t);
      }
    }
    assertThat(open).hasSizeGreaterThan(10);
    assertThat(split).isNotEmpty().hasSizeLessThan(open.size());

    try (ScaleOutCluster single = new ScaleOutCluster(); ScaleOutCluster four = new ScaleOutCluster()) {
      single.start();
      for (int k = 0; k < 4; k++) {
        four.start();
      }
      LoadStats s1 = new LoadStats();
      try (Transport t = single.connect(name(1), s1)) {
        ScaleOutCluster.send(t, input, s1);
      }
      AtomicReference<HashRing> ring = new AtomicReference<>(ring3);
      LoadStats s4 = new LoadStats();
      try (Transport t = new RoutingTransport(ring::get, e -> four.connect(e, s4), new RouteCounts())) {
        ScaleOutCluster.send(t, before, s4);
        ring.set(ring4);
        ScaleOutCluster.send(t, after, s4);
      }
      single.syncAndAdvance(Duration.ofSeconds(3));
      four.syncAndAdvance(Duration.ofSeconds(3));
      // the halves without their stream span wait for idle_timeout (30 s of the manual clock)
      four.syncAndAdvance(Duration.ofSeconds(31));
      int expectedTotal = 120 + split.size();
      await().atMost(Duration.ofSeconds(20)).until(() -> single.outputCount(1) == 120
          && four.outputCount(1) + four.outputCount(2) + four.outputCount(3) + four.outputCount(4) == expectedTotal);

      Map<String, Span> expected = single.output(1);
      Map<String, List<Span>> byTrace = new HashMap<>();
      Map<String, String> instanceOf = new HashMap<>();
      for (int k = 1; k <= 4; k++) {
        for (Span s : four.output(k).values()) {
          byTrace.computeIfAbsent(hex(s.getTraceId()), x -> new java.util.ArrayList<>()).add(s);
          instanceOf.put(hex(s.getTraceId()) + "/" + hex(s.getSpanId()), name(k));
        }
      }
      int incompleteHalves = 0;
      long missingExpected = 0;
      int partialWithSpan = 0;
      for (Span want : expected.values()) {
        String t = hex(want.getTraceId());
        List<Span> got = byTrace.get(t);
        if (!split.contains(t)) {
          // not open at the change, or open but kept by its owner: exactly the single instance's output
          assertThat(got).as(t).containsExactly(want);
          continue;
        }
        assertThat(got).as("split stream %s: one span per half", t).hasSize(2);
        Span withSpan = got.stream().filter(s -> s.getSpanId().equals(want.getSpanId())).findFirst().orElseThrow();
        Span other = got.stream().filter(s -> s != withSpan).findFirst().orElseThrow();
        int side = streamSpanSide.get(t);
        int[] c = chunks.get(t);
        String oldOwner = ring3.endpointFor(want.getTraceId());
        assertThat(instanceOf.get(t + "/" + hex(withSpan.getSpanId()))).isEqualTo(side == 0 ? oldOwner : name(4));
        assertThat(instanceOf.get(t + "/" + hex(other.getSpanId()))).isEqualTo(side == 0 ? name(4) : oldOwner);
        // the half with the stream span: closed at its end over its own chunks (if any), and says
        // the other instance's chunks are missing (their indexes, or the stated total, tell)
        assertThat(str(withSpan, "llm_stream.end_reason")).isEqualTo("stream_end");
        assertThat(bool(withSpan, "llm_stream.complete")).as("%s: half with the stream span", t).isFalse();
        assertThat(num(withSpan, "llm_stream.chunk.count")).isEqualTo(c[side]);
        assertThat(num(withSpan, "llm_stream.chunk.missing")).as(t).isEqualTo(c[1 - side]);
        missingExpected += c[1 - side];
        partialWithSpan++;
        if (side == 1) {
          // its first chunks went to the old owner: no TTFT from a later chunk
          assertThat(Attributes.find(withSpan.getAttributesList(), "llm_stream.ttft_ms")).as(t).isNull();
        }
        // the other half: llm_stream.incomplete after idle_timeout, over the chunks it saw; when
        // those are the later ones (the new instance), its index gap says the first ones are missing
        assertThat(other.getName()).isEqualTo("llm_stream.incomplete");
        assertThat(str(other, "llm_stream.end_reason")).isEqualTo("idle_timeout");
        assertThat(bool(other, "llm_stream.complete")).isFalse();
        assertThat(num(other, "llm_stream.chunk.count")).isEqualTo(c[1 - side]);
        assertThat(num(other, "llm_stream.chunk.missing")).as(t).isEqualTo(side == 0 ? c[0] : 0);
        missingExpected += side == 0 ? c[0] : 0;
        assertThat(num(other, "llm_stream.chunk.count") + (c[side] > 0 ? num(withSpan, "llm_stream.chunk.count") : 0))
            .isEqualTo(num(want, "llm_stream.chunk.count"));
        incompleteHalves++;
      }
      assertThat(incompleteHalves).isEqualTo(split.size());
      double idle = 0;
      for (int k = 1; k <= 4; k++) {
        idle += four.metric(k, "llm_stream_closed_total", "llm_stream_end_reason=\"idle_timeout\"");
      }
      assertThat(idle).isEqualTo(split.size());
      double missing = 0;
      double partial = 0;
      for (int k = 1; k <= 4; k++) {
        missing += four.metric(k, "streamfold_missing_chunks_total");
        partial += four.metric(k, "llm_stream_closed_total", "llm_stream_end_reason=\"stream_end\"", "llm_stream_complete=\"false\"");
      }
      assertThat(missingExpected).isPositive();
      assertThat(missing).isEqualTo(missingExpected);
      assertThat(partial).isEqualTo(partialWithSpan);
      assertThat(single.metric(1, "streamfold_missing_chunks_total")).isZero();
      assertThat(single.metric(1, "llm_stream_closed_total", "llm_stream_end_reason=\"idle_timeout\"")).isZero();
      assertThat(four.metric(4, "llm_stream_closed_total")).isPositive();
    }
  }

  record Item(com.google.protobuf.ByteString traceId, boolean chunk) {}

  /** A request's items: chunk spans, chunk events and chunk log records are chunks; other spans are stream spans. */
  static List<Item> items(Object r) {
    List<Item> out = new java.util.ArrayList<>();
    if (r instanceof ExportTraceServiceRequest tr) {
      for (ResourceSpans rs : tr.getResourceSpansList()) {
        for (ScopeSpans ss : rs.getScopeSpansList()) {
          for (Span s : ss.getSpansList()) {
            out.add(new Item(s.getTraceId(), s.getName().contains("::chunk_")));
          }
        }
      }
    } else {
      for (ResourceLogs rl : ((ExportLogsServiceRequest) r).getResourceLogsList()) {
        for (ScopeLogs sl : rl.getScopeLogsList()) {
          for (LogRecord l : sl.getLogRecordsList()) {
            out.add(new Item(l.getTraceId(), true));
          }
        }
      }
    }
    return out;
  }

  static String str(Span s, String key) {
    AnyValue v = Attributes.find(s.getAttributesList(), key);
    return v == null ? null : v.getStringValue();
  }

  static Boolean bool(Span s, String key) {
    AnyValue v = Attributes.find(s.getAttributesList(), key);
    return v == null ? null : v.getBoolValue();
  }

  static long num(Span s, String key) {
    AnyValue v = Attributes.find(s.getAttributesList(), key);
    return v == null ? 0 : v.getIntValue();
  }
}
