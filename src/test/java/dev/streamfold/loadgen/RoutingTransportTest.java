package dev.streamfold.loadgen;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The generator's workers routed over several endpoints: what each endpoint gets, and the counts. */
class RoutingTransportTest {

  @Test
  void aRoutedRunSendsEachEndpointOnlyItsTracesAndCountsExactlyWhatASingleRunCounts() {
    String[] args = {"--streams", "400", "--shape", "mix", "--chunks-per-stream", "6", "--connections", "2",
        "--spans-per-request", "50", "--seed", "77"};
    LoadGenOptions single = LoadGenOptions.parse(args);
    List<CapturingTransport> one = new ArrayList<>();
    LoadStats s1 = LoadGenerator.run(single, quiet(), st -> add(one, new CapturingTransport(st)), new AtomicBoolean()).stats();

    String[] routedArgs = new String[args.length + 2];
    System.arraycopy(args, 0, routedArgs, 0, args.length);
    routedArgs[args.length] = "--endpoints";
    routedArgs[args.length + 1] = String.join(",", HashRingTest.THREE);
    LoadGenOptions routed = LoadGenOptions.parse(routedArgs);
    assertThat(routed.endpoints).containsExactlyElementsOf(HashRingTest.THREE);
    assertThat(routed.endpoint).isEqualTo(HashRingTest.THREE.get(0));
    Map<String, List<CapturingTransport>> byEndpoint = new java.util.concurrent.ConcurrentHashMap<>();
    RouteCounts counts = new RouteCounts();
    LoadStats s3 = LoadGenerator.run(routed, quiet(), RoutingOptions.transports(routed, st -> {
      throw new AssertionError("routed runs use one transport per endpoint");
    }, (endpoint, st) -> add(byEndpoint.computeIfAbsent(endpoint, k -> new ArrayList<>()), new CapturingTransport(st)),
        counts, quiet()), new AtomicBoolean()).stats();

    HashRing ring = new HashRing(HashRingTest.THREE);
    long spans = 0;
    for (String e : HashRingTest.THREE) {
      List<CapturingTransport.Captured<Span>> got = CapturingTransport.spans(byEndpoint.get(e));
      assertThat(got).isNotEmpty().allSatisfy(c -> assertThat(ring.endpointFor(c.item().getTraceId())).isEqualTo(e));
      assertThat(CapturingTransport.logs(byEndpoint.get(e))).allSatisfy(c -> assertThat(ring.endpointFor(c.item().getTraceId())).isEqualTo(e));
      assertThat(counts.spans(e)).isEqualTo(got.size());
      assertThat(counts.logs(e)).isEqualTo(CapturingTransport.logs(byEndpoint.get(e)).size());
      spans += got.size();
    }
    // same seed, same streams: the union of the parts is the single run's items (ids differ per run
    // only through wall-clock timestamps, which do not enter ids)
    assertThat(spans).isEqualTo(CapturingTransport.spans(one).size());
    for (int m : new int[] {LoadStats.SPANS, LoadStats.CHUNK_SPANS, LoadStats.STREAM_SPANS, LoadStats.EVENTS,
        LoadStats.CHUNK_EVENTS, LoadStats.LOGS, LoadStats.CHUNK_LOGS, LoadStats.STREAMS}) {
      assertThat(s3.get(LoadStats.OK, m)).as("metric %d", m).isEqualTo(s1.get(LoadStats.OK, m));
    }
    assertThat(s3.get(LoadStats.OK, LoadStats.REQUESTS)).isGreaterThan(s1.get(LoadStats.OK, LoadStats.REQUESTS));
    assertThat(ids(CapturingTransport.spans(one))).containsExactlyInAnyOrderElementsOf(
        ids(HashRingTest.THREE.stream().flatMap(e -> CapturingTransport.spans(byEndpoint.get(e)).stream()).toList()));
  }

  @Test
  void theScheduleAddsAnEndpointAtItsOffsetAndOnlyTheNewEndpointTakesTraces() throws Exception {
    AtomicLong now = new AtomicLong(1_000);
    ByteArrayOutputStream log = new ByteArrayOutputStream();
    RingSchedule schedule = new RingSchedule(HashRingTest.THREE,
        List.of(new RingSchedule.Addition(10_000_000_000L, HashRingTest.FOURTH)), now::get, new PrintStream(log, true));
    Map<String, List<CapturingTransport>> byEndpoint = new HashMap<>();
    LoadStats stats = new LoadStats();
    RoutingTransport t = new RoutingTransport(schedule,
        e -> add(byEndpoint.computeIfAbsent(e, k -> new ArrayList<>()), new CapturingTransport(stats)), new RouteCounts());
    ExportTraceServiceRequest req = SampleTelemetry.traces("A", 300, 3, 8);
    long[] counts = new long[LoadStats.METRICS];
    counts[LoadStats.SPANS] = RouteCounts.spans(req);
    t.send(req, counts);
    assertThat(byEndpoint).containsOnlyKeys(HashRingTest.THREE);
    assertThat(log.toString()).isEmpty();

    now.addAndGet(10_000_000_000L);
    t.send(req, counts.clone());
    assertThat(byEndpoint).containsKey(HashRingTest.FOURTH);
    assertThat(log.toString()).contains("ring now 127.0.0.1:4317,127.0.0.1:4327,127.0.0.1:4337,127.0.0.1:4347");
    HashRing before = new HashRing(HashRingTest.THREE);
    for (CapturingTransport.Captured<Span> c : CapturingTransport.spans(byEndpoint.get(HashRingTest.FOURTH))) {
      assertThat(before.endpointFor(c.item().getTraceId())).isNotEqualTo(HashRingTest.FOURTH);
    }
    // after the change every endpoint, old or new, gets exactly the traces the new ring gives it
    HashRing after = schedule.get();
    for (String e : after.endpoints()) {
      List<ExportTraceServiceRequest> got = byEndpoint.get(e).get(0).traces;
      for (ResourceSpans rs : got.get(got.size() - 1).getResourceSpansList()) {
        for (ScopeSpans ss : rs.getScopeSpansList()) {
          assertThat(ss.getSpansList()).allSatisfy(sp -> assertThat(after.endpointFor(sp.getTraceId())).isEqualTo(e));
        }
      }
    }
    assertThat(stats.get(LoadStats.OK, LoadStats.SPANS)).isEqualTo(2 * RouteCounts.spans(req));
  }

  @Test
  void optionErrorsNameTheOption() {
    assertThatThrownBy(() -> LoadGenOptions.parse("--endpoints", "a:1,b")).hasMessageContaining("--endpoints must be host:port");
    assertThatThrownBy(() -> LoadGenOptions.parse("--endpoint", "a:1", "--endpoint", "a:1")).hasMessageContaining("given twice");
    assertThatThrownBy(() -> LoadGenOptions.parse("--add-endpoint-at", "b:2")).hasMessageContaining("T=HOST:PORT");
    assertThatThrownBy(() -> LoadGenOptions.parse("--add-endpoint-at", "soon=b:2")).hasMessageContaining("like 10s");
    assertThatThrownBy(() -> LoadGenOptions.parse("--endpoint", "a:1", "--add-endpoint-at", "1s=a:1"))
        .hasMessageContaining("already an endpoint");
    LoadGenOptions o = LoadGenOptions.parse("--endpoint", "a:1", "--add-endpoint-at", "1.5s=b:2", "--add-endpoint-at", "500ms=c:3");
    assertThat(o.endpointAdditions).containsExactly(new RingSchedule.Addition(1_500_000_000L, "b:2"),
        new RingSchedule.Addition(500_000_000L, "c:3"));
    assertThat(RoutingOptions.routed(o)).isTrue();
    assertThat(RoutingOptions.routed(LoadGenOptions.parse())).isFalse();
    assertThat(LoadGenOptions.parse().endpoint).isEqualTo("127.0.0.1:4317");
  }

  private static List<String> ids(List<CapturingTransport.Captured<Span>> spans) {
    return spans.stream().map(c -> java.util.HexFormat.of().formatHex(c.item().getSpanId().toByteArray())).toList();
  }

  private static <T> T add(List<? super T> list, T t) {
    synchronized (list) {
      list.add(t);
    }
    return t;
  }

  private static PrintStream quiet() {
    return new PrintStream(new ByteArrayOutputStream());
  }
}
