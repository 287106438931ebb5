package dev.streamfold.window;

import static dev.streamfold.testing.Otlp.attr;
import static dev.streamfold.testing.Otlp.lng;
import static dev.streamfold.testing.Otlp.dbl;
import static dev.streamfold.testing.Otlp.str;
import static dev.streamfold.window.ProducerFixture.logStr;
import static dev.streamfold.window.ProducerFixture.ms;
import static dev.streamfold.window.ProducerFixturesTest.named;
import static org.assertj.core.api.Assertions.assertThat;

import dev.streamfold.config.TestConfig;
import dev.streamfold.config.WindowConfig;
import io.opentelemetry.proto.logs.v1.LogRecord;
import io.opentelemetry.proto.trace.v1.Span;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The official {@code @opentelemetry/instrumentation-openai} on the real {@code openai} client,
 * streaming from the local SSE stand-in (fixtures/record/otel-genai/), with and without
 * OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT. Spans and log records leave on separate
 * exporters: flushed traces first, the logs arrive after their span; left to the SDKs' default
 * schedules ({@code -schedules}), the logs arrive seconds before it. When streaming it sends a CLIENT span {@code chat
 * gpt-4o-mini} (gen_ai.operation.name, request/response model, usage, finish reasons; no
 * gen_ai.request.stream, no time to first chunk, no events) and log records with {@code event.name}
 * {@code gen_ai.system.message} / {@code gen_ai.user.message} at the start and one {@code
 * gen_ai.choice} per choice when the stream ends: nothing per chunk, with or without content.
 */
class OtelInstrumentationOpenAiRecordingTest {
  static final String PLAIN = "otel-instrumentation-openai.json";
  static final String CONTENT = "otel-instrumentation-openai-content.json";
  static final String SCHEDULES = "otel-instrumentation-openai-schedules.json";

  @ParameterizedTest
  @ValueSource(strings = {PLAIN, CONTENT})
  void flushedTracesFirstTheLogsArriveAfterTheirSpan(String file) {
    assertThat(ProducerFixture.load(file).requests).extracting(ProducerFixture.Request::signal).containsExactly("traces", "logs");
  }

  @ParameterizedTest
  @ValueSource(strings = {SCHEDULES})
  void onTheDefaultSchedulesTheLogsArriveBeforeTheirSpanByMoreThanTheGrace(String file) {
    ProducerFixture f = ProducerFixture.load(file);
    assertThat(f.requests).extracting(ProducerFixture.Request::signal).containsExactly("logs", "traces");
    assertThat(f.requests.get(1).arrivedUnixMs() - f.requests.get(0).arrivedUnixMs())
        .isGreaterThan(TestConfig.window().finalizeGrace().toMillis());
  }

  @ParameterizedTest
  @ValueSource(strings = {PLAIN, CONTENT, SCHEDULES})
  void nothingIsPerChunk(String file) {
    ProducerFixture f = ProducerFixture.load(file);
    Span chat = f.span("chat gpt-4o-mini");
    assertThat(f.logRecords()).extracting(r -> logStr(r, "event.name"))
        .containsExactly("gen_ai.system.message", "gen_ai.user.message", "gen_ai.choice");
    assertThat(f.logRecords()).allSatisfy(r -> {
      assertThat(r.getSpanId()).isEqualTo(chat.getSpanId());
      assertThat(r.getTraceId()).isEqualTo(chat.getTraceId());
    });
    assertThat(chat.getEventsCount()).isZero();
    assertThat(attr(chat, "gen_ai.request.stream")).isNull();
    assertThat(str(chat, "gen_ai.operation.name")).isEqualTo("chat");
    // the choice is stamped when the stream has been read to its end: after the server's last content
    long lastSent = f.recordedLong("fakeServer.measuredUnixMs.doneSent");
    assertThat(choice(f).getTimeUnixNano() / 1_000_000).isGreaterThanOrEqualTo(lastSent - 1);
  }

  /** Default rules: gen_ai.choice is not a chunk, so nothing is condensed and nothing is lost. */
  @ParameterizedTest
  @ValueSource(strings = {PLAIN, CONTENT, SCHEDULES})
  void withDefaultRulesEverythingPassesUnchanged(String file) {
    ProducerFixture f = ProducerFixture.load(file);
    FixtureReplay replay = new FixtureReplay();
    List<Span> output = replay.run(f);

    assertThat(output).containsExactlyInAnyOrderElementsOf(f.spans());
    assertThat(replay.out.allLogs()).containsExactlyElementsOf(f.logRecords());
    assertThat(replay.closed).isEmpty();
  }

  /**
   * With the opt-in gen_ai.choice chunk-log rule the span (a GenAI client span, held as a
   * candidate) and its late log records must become one condensed stream, not a plain span plus an
   * llm_stream.incomplete. The one "chunk" is the whole choice, stamped at the end of the stream,
   * so its TTFT is the time to the end of the response: that is all this producer tells.
   */
  @ParameterizedTest
  @ValueSource(strings = {PLAIN, CONTENT})
  void withTheChoiceRuleTheSpanAndItsLateLogsAreOneStream(String file) {
    choiceRuleMakesOneStream(file);
  }

  /** Logs first: the chunk log opens the stream and its span arrives within the idle timeout. */
  @ParameterizedTest
  @ValueSource(strings = {SCHEDULES})
  void withTheChoiceRuleTheEarlyLogsAndTheirSpanAreOneStream(String file) {
    choiceRuleMakesOneStream(file);
  }

  private static void choiceRuleMakesOneStream(String file) {
    ProducerFixture f = ProducerFixture.load(file);
    Span chat = f.span("chat gpt-4o-mini");
    WindowConfig cfg = TestConfig.window(
        "rules.chunk_logs=[{event_name: gen_ai.content.completion.chunk}, {event_name: llm_stream.chunk}, {event_name: gen_ai.choice}]");
    FixtureReplay replay = new FixtureReplay(cfg);
    List<Span> output = replay.run(f);

    assertThat(output).noneMatch(s -> s.getName().equals("llm_stream.incomplete"));
    assertThat(replay.closed).hasSize(1);
    Span c = named(output, "chat gpt-4o-mini");
    assertThat(c.getSpanId()).isEqualTo(chat.getSpanId());
    assertThat(str(c, "llm_stream.input_shape")).isEqualTo("chunk_logs");
    assertThat(lng(c, "llm_stream.chunk.count")).isEqualTo(1);
    assertThat(dbl(c, "llm_stream.ttft_ms")).isEqualTo(ms(choice(f).getTimeUnixNano() - chat.getStartTimeUnixNano()));
    assertThat(lng(c, "llm_stream.output_tokens")).isEqualTo(7);
    assertThat(attr(c, "llm_stream.complete").getBoolValue()).isTrue();
    assertThat(replay.out.allLogs()).extracting(r -> logStr(r, "event.name"))
        .containsExactly("gen_ai.system.message", "gen_ai.user.message");
    assertThat(named(output, "POST /chat")).isEqualTo(f.span("POST /chat"));
  }

  private static LogRecord choice(ProducerFixture f) {
    return f.logRecords().stream().filter(r -> "gen_ai.choice".equals(logStr(r, "event.name"))).findFirst().orElseThrow();
  }
}
