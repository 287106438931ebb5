package dev.streamfold.window;

import static dev.streamfold.testing.Otlp.attr;
import static dev.streamfold.testing.Otlp.str;
import static org.assertj.core.api.Assertions.assertThat;

import io.opentelemetry.proto.trace.v1.Span;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * OpenInference JS ({@code @arizeai/openinference-instrumentation-openai}, fixtures/record/
 * record-openinference.mjs) on a streamed chat completion: one INTERNAL span {@code OpenAI Chat
 * Completions} with {@code openinference.span.kind=LLM}, the input and the whole output text, and
 * {@code stream: true} only inside the {@code llm.invocation_parameters} JSON string. No events,
 * no first-token event, and no token counts (the stream's usage chunk is not read). Nothing
 * announces a stream and there is nothing to derive from: it passes through unchanged.
 */
class OpenInferenceJsRecordingTest {

  @Test
  void streamingSpanCarriesNoTimingAndPassesThroughUnchanged() {
    ProducerFixture f = ProducerFixture.load("openinference-js-openai.json");
    Span llm = f.span("OpenAI Chat Completions");
    assertThat(str(llm, "openinference.span.kind")).isEqualTo("LLM");
    assertThat(str(llm, "llm.invocation_parameters")).contains("\"stream\":true");
    assertThat(llm.getEventsCount()).isZero();
    assertThat(attr(llm, "llm.token_count.completion")).isNull();
    assertThat(attr(llm, "gen_ai.request.stream")).isNull();

    FixtureReplay replay = new FixtureReplay();
    List<Span> output = replay.run(f);
    assertThat(output).containsExactlyInAnyOrderElementsOf(f.spans());
    assertThat(replay.closed).isEmpty();
  }
}
