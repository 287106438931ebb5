package dev.streamfold.app;

import dev.streamfold.testing.TestServices;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.streamfold.config.StreamfoldConfig;
import dev.streamfold.testing.FakeCollector;
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
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.sdk.logs.SdkLoggerProvider;
import io.opentelemetry.sdk.logs.export.BatchLogRecordProcessor;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.export.BatchSpanProcessor;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The real OTel Java SDK sends streams of all four shapes to a running service; a real gRPC
 * downstream must receive exactly one condensed span per stream, the plain span unchanged, and no
 * chunk spans, chunk events or chunk logs.
 */
class EndToEndTest {
  static final long T0 = 1_750_000_000_000L; // ms epoch
  FakeCollector downstream;
  ManualClock clock;
  Service service;
  SdkTracerProvider tracerProvider;
  SdkLoggerProvider loggerProvider;

  @BeforeEach
  void start() throws Exception {
    downstream = new FakeCollector();
    clock = new ManualClock();
    StreamfoldConfig cfg = TestServices.config(downstream.endpoint());
    service = new Service(cfg, clock);
    service.start();
    Resource resource = Resource.getDefault().merge(Resource.create(Attributes.of(AttributeKey.stringKey("service.name"), "chat-app")));
    tracerProvider = SdkTracerProvider.builder().setResource(resource)
        .addSpanProcessor(BatchSpanProcessor.builder(
            OtlpGrpcSpanExporter.builder().setEndpoint("http://127.0.0.1:" + service.grpcPort()).build()).build())
        .build();
    loggerProvider = SdkLoggerProvider.builder().setResource(resource)
        .addLogRecordProcessor(BatchLogRecordProcessor.builder(
            OtlpHttpLogRecordExporter.builder().setEndpoint("http://127.0.0.1:" + service.httpPort() + "/v1/logs").build()).build())
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

  @Test
  void allFourShapesCondenseToOneSpanEachAndChunksDisappear() throws Exception {
    Tracer tracer = tracerProvider.get("e2e");
    Logger logger = loggerProvider.get("e2e");
    Span root = at(tracer.spanBuilder("handle request").setSpanKind(SpanKind.SERVER), 0);
    Context rootCtx = Context.root().with(root);

    // A: Burr-style chunk spans under an action span
    Span a = at(tracer.spanBuilder("respond").setParent(rootCtx)
        .setAttribute("gen_ai.request.model", "gpt-4o").setAttribute("gen_ai.provider.name", "openai"), 0);
    Context aCtx = rootCtx.with(a);
    for (int i = 0; i < 4; i++) {
      Span c = at(tracer.spanBuilder("respond::chunk_" + i).setParent(aCtx).setAttribute("llm_stream.chunk.tokens", 5L), 100 + i * 50);
      c.end(T0 + 100 + i * 50 + 10, TimeUnit.MILLISECONDS);
    }
    a.end(T0 + 400, TimeUnit.MILLISECONDS);

    // B: OpenLLMetry-style chunk events on the stream span
    Span b = at(tracer.spanBuilder("openai.chat").setParent(rootCtx).setAttribute("gen_ai.request.model", "gpt-4o-mini")
        .setAttribute("gen_ai.usage.output_tokens", 30L), 0);
    for (int i = 0; i < 3; i++) {
      b.addEvent("gen_ai.content.completion.chunk", Attributes.empty(), T0 + 200 + i * 100, TimeUnit.MILLISECONDS);
    }
    b.addEvent("retry", T0 + 50, TimeUnit.MILLISECONDS);
    b.end(T0 + 500, TimeUnit.MILLISECONDS);

    // C: chunk log records carrying the stream span's context, stream span announced
    Span cSpan = at(tracer.spanBuilder("chat claude").setParent(rootCtx).setAttribute("gen_ai.request.stream", true)
        .setAttribute("gen_ai.provider.name", "anthropic"), 0);
    Context cCtx = rootCtx.with(cSpan);
    for (int i = 0; i < 5; i++) {
      logger.logRecordBuilder().setContext(cCtx).setEventName("gen_ai.content.completion.chunk")
          .setTimestamp(T0 + 300 + i * 20, TimeUnit.MILLISECONDS).setAttribute(AttributeKey.longKey("gen_ai.usage.output_tokens"), (i + 1) * 4L)
          .emit();
    }
    logger.logRecordBuilder().setContext(cCtx).setBody("an ordinary log").emit();
    cSpan.end(T0 + 450, TimeUnit.MILLISECONDS);

    // D: qwen-code summary span
    Span d = at(tracer.spanBuilder("qwen-code.llm_request").setParent(rootCtx).setAttribute("ttft_ms", 120L)
        .setAttribute("sampling_ms", 800L).setAttribute("gen_ai.usage.output_tokens", 160L), 0);
    d.end(T0 + 1000, TimeUnit.MILLISECONDS);

    root.end(T0 + 1100, TimeUnit.MILLISECONDS);
    assertThat(tracerProvider.forceFlush().join(10, TimeUnit.SECONDS).isSuccess()).isTrue();
    assertThat(loggerProvider.forceFlush().join(10, TimeUnit.SECONDS).isSuccess()).isTrue();
    assertThat(service.window().sync(Duration.ofSeconds(10))).isTrue();

    // the plain root span and the ordinary log pass at once; the shape B span carries all its
    // chunks and does not announce a stream, so it is condensed at once too
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
      assertThat(downstream.spans()).extracting(io.opentelemetry.proto.trace.v1.Span::getName)
          .containsExactlyInAnyOrder("handle request", "openai.chat");
      assertThat(downstream.logRecords()).hasSize(1);
    });
    clock.advance(Duration.ofSeconds(2));
    await().atMost(Duration.ofSeconds(10)).until(() -> downstream.spans().size() == 5);

    Map<String, io.opentelemetry.proto.trace.v1.Span> byName =
        downstream.spans().stream().collect(Collectors.toMap(io.opentelemetry.proto.trace.v1.Span::getName, Function.identity()));
    assertThat(byName).containsOnlyKeys("handle request", "respond", "openai.chat", "chat claude", "qwen-code.llm_request");
    assertThat(downstream.logRecords()).singleElement().satisfies(l -> assertThat(l.getBody().getStringValue()).isEqualTo("an ordinary log"));

    var sa = byName.get("respond");
    assertThat(str(sa, "llm_stream.input_shape")).isEqualTo("chunk_spans");
    assertThat(num(sa, "llm_stream.chunk.count")).isEqualTo(4L);
    assertThat(num(sa, "llm_stream.ttft_ms")).isEqualTo(110.0);
    assertThat(num(sa, "llm_stream.sampling_ms")).isEqualTo(150.0);
    assertThat(num(sa, "llm_stream.output_tokens")).isEqualTo(20L);
    assertThat(num(sa, "llm_stream.output_tokens_per_second")).isEqualTo(133.33);
    assertThat(num(sa, "llm_stream.chunk.interval.avg_ms")).isEqualTo(50.0);
    assertThat(num(sa, "llm_stream.generation_time_ms")).isEqualTo(40.0);
    assertThat(num(sa, "llm_stream.consumer_time_ms")).isEqualTo(120.0);

    var sb = byName.get("openai.chat");
    assertThat(str(sb, "llm_stream.input_shape")).isEqualTo("chunk_events");
    assertThat(sb.getEventsList()).extracting(e -> e.getName()).containsExactly("retry");
    assertThat(num(sb, "llm_stream.ttft_ms")).isEqualTo(200.0);
    assertThat(num(sb, "llm_stream.output_tokens_per_second")).isEqualTo(150.0);

    var sc = byName.get("chat claude");
    assertThat(str(sc, "llm_stream.input_shape")).isEqualTo("chunk_logs");
    assertThat(num(sc, "llm_stream.chunk.count")).isEqualTo(5L);
    assertThat(num(sc, "llm_stream.output_tokens")).isEqualTo(20L);
    assertThat(str(sc, "llm_stream.token_source")).isEqualTo("chunk_attributes");
    assertThat(num(sc, "llm_stream.chunk.interval.max_ms")).isEqualTo(20.0);

    var sd = byName.get("qwen-code.llm_request");
    assertThat(str(sd, "llm_stream.input_shape")).isEqualTo("summary");
    assertThat(num(sd, "llm_stream.output_tokens_per_second")).isEqualTo(200.0);

    for (var s : List.of(sa, sb, sc, sd)) {
      assertThat(str(s, "llm_stream.end_reason")).isEqualTo("stream_end");
      assertThat(find(s, "llm_stream.complete").getBoolValue()).isTrue();
    }
    // ids came through intact
    assertThat(HexFormat.of().formatHex(sa.getSpanId().toByteArray())).isEqualTo(a.getSpanContext().getSpanId());
    assertThat(HexFormat.of().formatHex(sa.getTraceId().toByteArray())).isEqualTo(a.getSpanContext().getTraceId());
  }

  static AnyValue find(io.opentelemetry.proto.trace.v1.Span s, String key) {
    return dev.streamfold.otlp.Attributes.find(s.getAttributesList(), key);
  }

  static String str(io.opentelemetry.proto.trace.v1.Span s, String key) {
    AnyValue v = find(s, key);
    return v == null ? null : v.getStringValue();
  }

  static Number num(io.opentelemetry.proto.trace.v1.Span s, String key) {
    AnyValue v = find(s, key);
    if (v == null) {
      return null;
    }
    return v.hasIntValue() ? (Number) v.getIntValue() : (Number) v.getDoubleValue();
  }
}
