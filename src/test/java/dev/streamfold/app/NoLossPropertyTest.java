package dev.streamfold.app;

import dev.streamfold.testing.TestServices;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.ByteString;
import dev.streamfold.config.StreamfoldConfig;
import dev.streamfold.otlp.Attributes;
import dev.streamfold.testing.FakeCollector;
import dev.streamfold.time.ManualClock;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest;
import io.opentelemetry.proto.collector.logs.v1.LogsServiceGrpc;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.TraceServiceGrpc;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.InstrumentationScope;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.logs.v1.LogRecord;
import io.opentelemetry.proto.logs.v1.ResourceLogs;
import io.opentelemetry.proto.logs.v1.ScopeLogs;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * No loss, by an oracle outside streamfold: random mixes of streams (chunk spans, chunk logs,
 * chunk events; with and without stream spans), plain spans and logs, duplicate chunks and late
 * chunks, sent in random batches over OTLP/gRPC. What the real downstream receives must be
 * exactly: every plain span and log once and unchanged, one condensed span per stream whose chunk
 * count is the number of distinct chunks sent, every late chunk once flagged late, and no chunk.
 * A seeded randomized test (a property test without a property-testing library).
 */
class NoLossPropertyTest {
  static FakeCollector downstream;
  static ManualClock clock;
  static Service service;
  static ManagedChannel channel;

  @BeforeAll
  static void start() throws Exception {
    downstream = new FakeCollector();
    clock = new ManualClock();
    StreamfoldConfig cfg = TestServices.config(downstream.endpoint());
    service = new Service(cfg, clock);
    service.start();
    channel = NettyChannelBuilder.forAddress("127.0.0.1", service.grpcPort()).usePlaintext().build();
  }

  @AfterAll
  static void stop() throws Exception {
    channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    service.stop();
    downstream.close();
  }

  static final Resource RES = Resource.newBuilder().addAttributes(Attributes.of("service.name", "prop")).build();
  static final InstrumentationScope SCOPE = InstrumentationScope.newBuilder().setName("prop").build();

  /** One item to send: a span or a log record. */
  record Item(Span span, LogRecord log) {}

  /** 40 scenarios from a fixed master seed: reproducible, and a failure names its seed. */
  static LongStream seeds() {
    return new Random(20261122L).longs(40);
  }

  @ParameterizedTest(name = "seed {0}")
  @MethodSource("seeds")
  void everythingSentIsAccountedForDownstream(long seed) throws Exception {
    Random rnd = new Random(seed);
    downstream.traces.clear();
    downstream.logs.clear();
    List<Item> items = new ArrayList<>();
    Map<ByteString, Integer> expectCount = new HashMap<>(); // stream span id -> distinct chunks
    Map<ByteString, Integer> expectIncomplete = new HashMap<>(); // stream id -> distinct chunks (no stream span)
    Set<ByteString> candidatesWithoutChunks = new HashSet<>();
    List<Span> plainSpans = new ArrayList<>();
    List<LogRecord> plainLogs = new ArrayList<>();
    List<Span> lateChunks = new ArrayList<>();
    // children of chunk spans (SDKs send a child before its parent): child -> its stream id
    Map<Span, ByteString> children = new HashMap<>();
    Map<Span, Span> childOf = new HashMap<>(); // child -> its chunk span
    long base = 1_750_000_000_000_000_000L;

    int streams = 1 + rnd.nextInt(8);
    for (int s = 0; s < streams; s++) {
      ByteString trace = randomId(rnd, 16);
      ByteString streamId = randomId(rnd, 8);
      boolean withSpan = rnd.nextInt(5) != 0;
      int shape = rnd.nextInt(3); // 0 = chunk spans, 1 = chunk logs, 2 = chunk events (needs the span)
      if (shape == 2 && !withSpan) {
        shape = 0;
      }
      int n = rnd.nextInt(15) + (withSpan ? 0 : 1);
      List<Item> chunks = new ArrayList<>();
      List<Span.Event> events = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        long t = base + (i + 1) * 10_000_000L;
        if (shape == 0) {
          Span c = Span.newBuilder().setTraceId(trace).setSpanId(randomId(rnd, 8)).setParentSpanId(streamId)
              .setName("gen::chunk_" + i).setStartTimeUnixNano(t - 1000).setEndTimeUnixNano(t).build();
          chunks.add(new Item(c, null));
          if (rnd.nextInt(6) == 0) {
            chunks.add(new Item(c, null)); // duplicate
          }
          if (withSpan && rnd.nextInt(3) == 0) {
            Span child = Span.newBuilder().setTraceId(trace).setSpanId(randomId(rnd, 8)).setParentSpanId(c.getSpanId())
                .setName("tool-" + i).setStartTimeUnixNano(t - 800).setEndTimeUnixNano(t - 200).build();
            children.put(child, streamId);
            childOf.put(child, c);
          }
        } else if (shape == 1) {
          LogRecord l = LogRecord.newBuilder().setTraceId(trace).setSpanId(streamId).setTimeUnixNano(t)
              .setEventName("gen_ai.content.completion.chunk").build();
          chunks.add(new Item(null, l));
          if (rnd.nextInt(6) == 0) {
            chunks.add(new Item(null, l)); // duplicate
          }
        } else {
          events.add(Span.Event.newBuilder().setName("gen_ai.content.completion.chunk").setTimeUnixNano(t).build());
        }
      }
      items.addAll(chunks);
      if (withSpan) {
        Span.Builder sb = Span.newBuilder().setTraceId(trace).setSpanId(streamId).setName("chat")
            .setStartTimeUnixNano(base).setEndTimeUnixNano(base + 500_000_000L).addAllEvents(events);
        if (shape != 2 && rnd.nextBoolean()) {
          // a GenAI client span without a stream announcement: held for the grace, so chunk logs
          // sent after it still attach
          sb.addAttributes(Attributes.of("gen_ai.operation.name", "chat"));
        } else {
          sb.addAttributes(Attributes.of("gen_ai.request.stream", true));
        }
        if (rnd.nextBoolean()) {
          sb.addEvents(Span.Event.newBuilder().setName("other").setTimeUnixNano(base + 1));
        }
        Span streamSpan = sb.build();
        items.add(rnd.nextInt(items.size() + 1), new Item(streamSpan, null));
        if (n == 0) {
          candidatesWithoutChunks.add(streamId);
        } else {
          expectCount.put(streamId, n);
        }
        if (shape == 0 && n > 0 && rnd.nextBoolean()) {
          lateChunks.add(Span.newBuilder().setTraceId(trace).setSpanId(randomId(rnd, 8)).setParentSpanId(streamId)
              .setName("gen::chunk_" + n).setStartTimeUnixNano(base + 900).setEndTimeUnixNano(base + 1000).build());
        }
      } else {
        expectIncomplete.put(streamId, n);
      }
    }
    int plain = rnd.nextInt(10);
    for (int i = 0; i < plain; i++) {
      Span p = Span.newBuilder().setTraceId(randomId(rnd, 16)).setSpanId(randomId(rnd, 8)).setName("plain-" + i)
          .setStartTimeUnixNano(base).setEndTimeUnixNano(base + 1).addAttributes(Attributes.of("i", (long) i)).build();
      plainSpans.add(p);
      items.add(rnd.nextInt(items.size() + 1), new Item(p, null));
    }
    int logs = rnd.nextInt(5);
    for (int i = 0; i < logs; i++) {
      LogRecord l = LogRecord.newBuilder().setTimeUnixNano(base + i)
          .setBody(AnyValue.newBuilder().setStringValue("log " + i + " " + seed)).build();
      plainLogs.add(l);
      items.add(rnd.nextInt(items.size() + 1), new Item(null, l));
    }
    if (rnd.nextBoolean()) {
      Collections.shuffle(items, rnd); // chunks split across requests, in any order
    }
    // each child after the first item of its stream (the window holds unknown parents only in a
    // trace with an open stream) and before its chunk when that comes later: the SDK's end order
    for (Map.Entry<Span, Span> e : childOf.entrySet()) {
      Span chunk = e.getValue();
      ByteString trace = chunk.getTraceId();
      int first = -1;
      int at = -1;
      for (int k = 0; k < items.size(); k++) {
        Item it = items.get(k);
        ByteString t = it.span() != null ? it.span().getTraceId() : it.log().getTraceId();
        if (first < 0 && t.equals(trace)) {
          first = k;
        }
        if (at < 0 && chunk.equals(it.span())) {
          at = k;
        }
      }
      int pos = first < at ? first + 1 + rnd.nextInt(at - first) : at + 1;
      items.add(pos, new Item(e.getKey(), null));
    }
    send(items, rnd);
    assertThat(service.window().sync(Duration.ofSeconds(10))).isTrue();
    clock.advance(Duration.ofSeconds(3)); // finalize grace
    assertThat(service.window().sync(Duration.ofSeconds(10))).isTrue();
    List<Item> late = new ArrayList<>();
    for (Span l : lateChunks) {
      late.add(new Item(l, null));
    }
    send(late, rnd);
    assertThat(service.window().sync(Duration.ofSeconds(10))).isTrue();
    clock.advance(Duration.ofSeconds(31)); // idle timeout for streams without a stream span
    assertThat(service.window().sync(Duration.ofSeconds(10))).isTrue();

    int expectedSpans = plainSpans.size() + children.size() + expectCount.size() + expectIncomplete.size() + candidatesWithoutChunks.size() + lateChunks.size();
    await().atMost(Duration.ofSeconds(20)).until(
        () -> downstream.spans().size() >= expectedSpans && downstream.logRecords().size() >= plainLogs.size());

    List<Span> got = downstream.spans();
    assertThat(got).hasSize(expectedSpans);
    assertThat(downstream.logRecords()).containsExactlyInAnyOrderElementsOf(plainLogs);
    for (Span p : plainSpans) {
      assertThat(got).containsOnlyOnce(p);
    }
    for (Map.Entry<ByteString, Integer> e : expectCount.entrySet()) {
      List<Span> match = got.stream().filter(s -> s.getSpanId().equals(e.getKey())).toList();
      assertThat(match).hasSize(1);
      assertThat(intAttr(match.get(0), "llm_stream.chunk.count")).isEqualTo((long) e.getValue());
      assertThat(Attributes.find(match.get(0).getAttributesList(), "llm_stream.complete").getBoolValue()).isTrue();
    }
    for (ByteString id : candidatesWithoutChunks) {
      assertThat(got.stream().filter(s -> s.getSpanId().equals(id)).toList()).singleElement()
          .satisfies(s -> assertThat(Attributes.find(s.getAttributesList(), "llm_stream.chunk.count")).isNull());
    }
    for (Map.Entry<ByteString, Integer> e : expectIncomplete.entrySet()) {
      List<Span> match = got.stream().filter(s -> s.getParentSpanId().equals(e.getKey()) && s.getName().equals("llm_stream.incomplete")).toList();
      assertThat(match).hasSize(1);
      assertThat(intAttr(match.get(0), "llm_stream.chunk.count")).isEqualTo((long) e.getValue());
    }
    for (Map.Entry<Span, ByteString> e : children.entrySet()) {
      assertThat(got.stream().filter(s -> s.getSpanId().equals(e.getKey().getSpanId())).toList()).as("child of a chunk")
          .singleElement().satisfies(s -> assertThat(s.getParentSpanId()).isEqualTo(e.getValue()));
    }
    for (Span l : lateChunks) {
      assertThat(got.stream().filter(s -> s.getSpanId().equals(l.getSpanId())).toList()).singleElement()
          .satisfies(s -> assertThat(Attributes.find(s.getAttributesList(), "llm_stream.late").getBoolValue()).isTrue());
    }
    Set<ByteString> lateIds = new HashSet<>();
    lateChunks.forEach(l -> lateIds.add(l.getSpanId()));
    assertThat(got).noneMatch(s -> s.getName().contains("::chunk_") && !lateIds.contains(s.getSpanId()));
  }

  private static long intAttr(Span s, String key) {
    KeyValue kv = s.getAttributesList().stream().filter(a -> a.getKey().equals(key)).findFirst().orElseThrow();
    return kv.getValue().getIntValue();
  }

  private static void send(List<Item> items, Random rnd) {
    TraceServiceGrpc.TraceServiceBlockingStub traces = TraceServiceGrpc.newBlockingStub(channel);
    LogsServiceGrpc.LogsServiceBlockingStub logs = LogsServiceGrpc.newBlockingStub(channel);
    int i = 0;
    while (i < items.size()) {
      int batch = 1 + rnd.nextInt(6);
      List<Span> spans = new ArrayList<>();
      List<LogRecord> records = new ArrayList<>();
      for (int k = 0; k < batch && i < items.size(); k++, i++) {
        Item it = items.get(i);
        if (it.span() != null) {
          spans.add(it.span());
        } else {
          records.add(it.log());
        }
      }
      if (!spans.isEmpty()) {
        traces.export(ExportTraceServiceRequest.newBuilder().addResourceSpans(ResourceSpans.newBuilder().setResource(RES)
            .addScopeSpans(ScopeSpans.newBuilder().setScope(SCOPE).addAllSpans(spans))).build());
      }
      if (!records.isEmpty()) {
        logs.export(ExportLogsServiceRequest.newBuilder().addResourceLogs(ResourceLogs.newBuilder().setResource(RES)
            .addScopeLogs(ScopeLogs.newBuilder().setScope(SCOPE).addAllLogRecords(records))).build());
      }
    }
  }

  private static ByteString randomId(Random rnd, int len) {
    byte[] b = new byte[len];
    rnd.nextBytes(b);
    b[0] |= 1; // never all zero
    return ByteString.copyFrom(b);
  }
}
