package dev.streamfold.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.streamfold.config.StreamfoldConfig;
import dev.streamfold.testing.FakeCollector;
import dev.streamfold.testing.TestServices;
import dev.streamfold.time.ManualClock;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.logs.Logger;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.opentelemetry.exporter.otlp.http.logs.OtlpHttpLogRecordExporter;
import io.opentelemetry.exporter.otlp.trace.OtlpGrpcSpanExporter;
import io.opentelemetry.sdk.logs.SdkLoggerProvider;
import io.opentelemetry.sdk.logs.export.BatchLogRecordProcessor;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.export.BatchSpanProcessor;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The real OTel Java SDK sending in its natural end order: a child of a chunk span ends (and is
 * exported) before its chunk, batches are cut every few spans so boundaries fall mid-stream, and
 * the chunk log records of a second call leave on a separate logs exporter flushed after the
 * traces. Out of the real downstream: every span's parent is in the output, no chunk span is
 * referenced or present, and no call is split into a span plus an llm_stream.incomplete.
 *
 * <p>Known limit (SPEC 3 holds unknown parents only in a trace with an open stream): a chunk's
 * child that is the first span of its trace to arrive, alone in a request before any chunk or
 * stream span of its trace, passes unchanged. Batches of 2 hit it here (the second run's first
 * child is cut off with the first run's root), so the sizes below are 3 and 5.
 */
class NaturalOrderEndToEndTest {
  static final long T0 = 1_760_000_000_000L;
  static final AttributeKey<String> OP = AttributeKey.stringKey("gen_ai.operation.name");
  static final AttributeKey<String> EVENT = AttributeKey.stringKey("event.name");

  FakeCollector downstream;
  ManualClock clock;
  Service service;
  SdkTracerProvider tracerProvider;
  SdkLoggerProvider loggerProvider;

  void start(int batch) throws Exception {
    downstream = new FakeCollector();
    clock = new ManualClock();
    StreamfoldConfig cfg = TestServices.config(downstream.endpoint());
    service = new Service(cfg, clock);
    service.start();
    Resource resource = Resource.getDefault().merge(Resource.create(Attributes.of(AttributeKey.stringKey("service.name"), "agent")));
    tracerProvider = SdkTracerProvider.builder().setResource(resource)
        .addSpanProcessor(BatchSpanProcessor.builder(
                OtlpGrpcSpanExporter.builder().setEndpoint("http://127.0.0.1:" + service.grpcPort()).build())
            .setMaxExportBatchSize(batch).setScheduleDelay(Duration.ofHours(1)).build())
        .build();
    loggerProvider = SdkLoggerProvider.builder().setResource(resource)
        .addLogRecordProcessor(BatchLogRecordProcessor.builder(
                OtlpHttpLogRecordExporter.builder().setEndpoint("http://127.0.0.1:" + service.httpPort() + "/v1/logs").build())
            .setScheduleDelay(Duration.ofHours(1)).build())
        .build();
  }

  @AfterEach
  void stop() throws Exception {
    tracerProvider.shutdown().join(5, TimeUnit.SECONDS);
    loggerProvider.shutdown().join(5, TimeUnit.SECONDS);
    service.stop();
    downstream.close();
  }

  static Span at(io.opentelemetry.api.trace.SpanBuilder b, long ms) {
    return b.setStartTimestamp(T0 + ms, TimeUnit.MILLISECONDS).startSpan();
  }

  static void end(Span s, long ms) {
    s.end(T0 + ms, TimeUnit.MILLISECONDS);
  }

  @ParameterizedTest(name = "batches of {0}")
  @ValueSource(ints = {3, 5})
  void childrenOfChunksAndLateChunkLogsComeOutWhole(int batch) throws Exception {
    start(batch);
    Tracer tracer = tracerProvider.get("agent");
    Logger logger = loggerProvider.get("agent");
    Set<String> chunkIds = new HashSet<>();
    for (int run = 0; run < 2; run++) {
      Span root = at(tracer.spanBuilder("invoke_agent").setNoParent(), 0);
      Context rootCtx = Context.root().with(root);
      // a streamed call whose chunk spans each have a child (a filter run while producing it)
      Span chat = at(tracer.spanBuilder("chat gpt-4o").setParent(rootCtx).setSpanKind(SpanKind.CLIENT).setAttribute(OP, "chat"), 10);
      Context chatCtx = rootCtx.with(chat);
      for (int i = 0; i < 5; i++) {
        Span chunk = at(tracer.spanBuilder("respond::chunk_" + i).setParent(chatCtx), 100 + 20 * i);
        Span child = at(tracer.spanBuilder("filter").setParent(chatCtx.with(chunk)), 101 + 20 * i);
        end(child, 105 + 20 * i);
        end(chunk, 110 + 20 * i);
        chunkIds.add(chunk.getSpanContext().getSpanId());
      }
      end(chat, 300);
      // a second call that reports its chunks as log records, on the logs exporter
      Span call = at(tracer.spanBuilder("chat gpt-4o-mini").setParent(rootCtx).setSpanKind(SpanKind.CLIENT).setAttribute(OP, "chat"), 310);
      Context callCtx = rootCtx.with(call);
      for (int i = 0; i < 3; i++) {
        logger.logRecordBuilder().setContext(callCtx).setTimestamp(T0 + 400 + 10 * i, TimeUnit.MILLISECONDS)
            .setAttribute(EVENT, "gen_ai.content.completion.chunk").emit();
      }
      end(call, 450);
      end(root, 500);
    }
    // traces first (in batches of `batch`), the logs after them
    assertThat(tracerProvider.forceFlush().join(10, TimeUnit.SECONDS).isSuccess()).isTrue();
    assertThat(service.window().sync(Duration.ofSeconds(10))).isTrue();
    assertThat(loggerProvider.forceFlush().join(10, TimeUnit.SECONDS).isSuccess()).isTrue();
    assertThat(service.window().sync(Duration.ofSeconds(10))).isTrue();
    clock.advance(Duration.ofSeconds(3));
    assertThat(service.window().sync(Duration.ofSeconds(10))).isTrue();
    // per run: root, chat (condensed), 5 children, chat-mini (condensed)
    await().atMost(Duration.ofSeconds(20)).until(() -> downstream.spans().size() >= 16);

    List<io.opentelemetry.proto.trace.v1.Span> got = downstream.spans();
    assertThat(got).hasSize(16);
    Set<String> ids = new HashSet<>();
    got.forEach(s -> ids.add(hex(s.getSpanId().toByteArray())));
    assertThat(got).noneMatch(s -> s.getName().startsWith("respond::chunk_"));
    assertThat(got).noneMatch(s -> s.getName().equals("llm_stream.incomplete"));
    for (io.opentelemetry.proto.trace.v1.Span s : got) {
      String parent = hex(s.getParentSpanId().toByteArray());
      if (!parent.isEmpty()) {
        assertThat(chunkIds).as("%s points at a chunk span", s.getName()).doesNotContain(parent);
        assertThat(ids).as("parent of %s is in the output", s.getName()).contains(parent);
      }
    }
    assertThat(got).filteredOn(s -> s.getName().equals("chat gpt-4o")).hasSize(2).allSatisfy(s ->
        assertThat(intAttr(s, "llm_stream.chunk.count")).isEqualTo(5));
    assertThat(got).filteredOn(s -> s.getName().equals("chat gpt-4o-mini")).hasSize(2).allSatisfy(s -> {
      assertThat(intAttr(s, "llm_stream.chunk.count")).isEqualTo(3);
      assertThat(strAttr(s, "llm_stream.input_shape")).isEqualTo("chunk_logs");
    });
    assertThat(downstream.logRecords()).isEmpty();
  }

  private static String hex(byte[] b) {
    return java.util.HexFormat.of().formatHex(b);
  }

  private static long intAttr(io.opentelemetry.proto.trace.v1.Span s, String key) {
    return s.getAttributesList().stream().filter(a -> a.getKey().equals(key)).findFirst().orElseThrow().getValue().getIntValue();
  }

  private static String strAttr(io.opentelemetry.proto.trace.v1.Span s, String key) {
    return s.getAttributesList().stream().filter(a -> a.getKey().equals(key)).findFirst().orElseThrow().getValue().getStringValue();
  }
}
