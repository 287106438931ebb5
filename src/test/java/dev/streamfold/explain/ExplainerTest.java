package dev.streamfold.explain;

import static dev.streamfold.testing.Otlp.chunk;
import static dev.streamfold.testing.Otlp.event;
import static dev.streamfold.testing.Otlp.id;
import static dev.streamfold.testing.Otlp.kv;
import static dev.streamfold.testing.Otlp.logs;
import static dev.streamfold.testing.Otlp.ms;
import static dev.streamfold.testing.Otlp.span;
import static dev.streamfold.testing.Otlp.trace;
import static dev.streamfold.testing.Otlp.traces;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.google.protobuf.ByteString;
import com.google.protobuf.Message;
import dev.streamfold.config.ConfigLoader;
import dev.streamfold.config.StreamfoldConfig;
import dev.streamfold.config.TestConfig;
import dev.streamfold.config.WindowConfig;
import dev.streamfold.explain.Report.Finding;
import dev.streamfold.explain.Report.ItemReport;
import dev.streamfold.explain.Report.StreamReport;
import dev.streamfold.explain.Report.What;
import dev.streamfold.otlp.OtlpJson;
import io.opentelemetry.proto.logs.v1.LogRecord;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code explain} over small recordings built here: what each item became, the figures of each
 * stream, and the findings for the cases a new user meets (a model call without chunks, chunk-like
 * log records without a rule, chunks without their stream span).
 */
class ExplainerTest {
  @TempDir Path dir;
  final WindowConfig defaults = TestConfig.window();

  Path recording(String name, Message... requests) throws IOException {
    StringBuilder b = new StringBuilder();
    for (Message m : requests) {
      b.append(OtlpJson.print(m)).append('\n');
    }
    return Files.writeString(dir.resolve(name), b.toString());
  }

  Report explain(WindowConfig cfg, Path... files) {
    return Explainer.explain(cfg, "test", List.of(files));
  }

  static List<ItemReport> items(Report r) {
    return r.traces().stream().flatMap(t -> t.items().stream()).toList();
  }

  static List<StreamReport> streams(Report r) {
    return r.traces().stream().flatMap(t -> t.streams().stream()).toList();
  }

  static Finding only(Report r, String code) {
    List<Finding> f = r.findings().stream().filter(x -> x.code().equals(code)).toList();
    assertThat(f).as("findings %s in %s", code, r.findings()).hasSize(1);
    return f.get(0);
  }

  @Test
  void chunkSpansAndTheirStreamSpanGiveTheWorkedExampleFigures() throws IOException {
    ByteString t = trace(1);
    ByteString respond = id(10);
    Path f = recording("burr.jsonl",
        traces(chunk(t, respond, 11, 0, 10, 100),
            span(t, id(12), respond, "respond::chunk_1", 100, 160).addAttributes(kv("llm_stream.chunk.tokens", 12L)).build()),
        traces(span(t, respond, id(1), "respond", 0, 200).addAttributes(kv("gen_ai.request.model", "gpt-4o")).build()));
    Report r = explain(defaults, f);

    assertThat(r.errors()).isEmpty();
    assertThat(items(r)).extracting(ItemReport::name, ItemReport::what, ItemReport::stream).containsExactly(
        org.assertj.core.groups.Tuple.tuple("respond::chunk_0", What.CHUNK, "S1"),
        org.assertj.core.groups.Tuple.tuple("respond::chunk_1", What.CHUNK, "S1"),
        org.assertj.core.groups.Tuple.tuple("respond", What.STREAM_SPAN, "S1"));
    assertThat(items(r).get(0).detail()).isEqualTo("chunk_spans[0] name_regex=^.+::chunk_(?<index>[0-9]+)$");
    StreamReport s = streams(r).get(0);
    assertThat(s.outcome()).isEqualTo("condensed");
    assertThat(s.endReason()).isEqualTo("stream_end");
    assertThat(s.figures()).containsEntry("llm_stream.chunk.count", 2L).containsEntry("llm_stream.ttft_ms", 100.0)
        .containsEntry("llm_stream.sampling_ms", 60.0).containsEntry("llm_stream.output_tokens", 12L)
        .containsEntry("llm_stream.output_tokens_per_second", 200.0).containsEntry("llm_stream.input_shape", "chunk_spans")
        .containsEntry("gen_ai.request.stream", true).containsEntry("gen_ai.usage.output_tokens", 12L)
        .doesNotContainKey("gen_ai.request.model");
    assertThat(r.findings()).isEmpty();
    assertThat(r.totals().outSpans()).isEqualTo(1);
    assertThat(TextRenderer.render(r)).contains("respond::chunk_0: chunk of S1 by chunk_spans[0]")
        .contains("llm_stream.ttft_ms = 100.0").contains("findings: none");
  }

  @Test
  void aModelCallWithoutChunksSaysNothingCanBeDerivedAndWhatToSend() {
    // OpenLLMetry JS 0.27 streaming: a chat span with usage, no per-chunk data, no stream flag
    Report r = Explainer.explain(defaults, "test", List.of(fixture("openllmetry-js-openai.json")));
    // a GenAI client span is held for the grace in case chunk logs follow; none do
    assertThat(streams(r)).singleElement().satisfies(s -> {
      assertThat(s.outcome()).isEqualTo("unchanged");
      assertThat(s.figures()).isEmpty();
    });
    Finding f = only(r, "no_stream_data");
    assertThat(f.level()).isEqualTo("problem");
    assertThat(f.message()).startsWith("span `chat gpt-4o-mini` has gen_ai.operation.name=chat but no chunk spans, chunk events or chunk log records")
        .contains("nothing to derive").contains("gen_ai.content.completion.chunk").contains("llm_stream.is_chunk=true")
        .contains("gen_ai.response.time_to_first_chunk").contains("held for finalize_grace (2s) as a stream candidate, nothing arrived");
    assertThat(items(r)).filteredOn(i -> i.name().equals("chat gpt-4o-mini")).singleElement()
        .satisfies(i -> assertThat(i.what()).isEqualTo(What.CANDIDATE));
    assertThat(r.totals().outSpans()).isEqualTo(2);
    // the application span is not a model call: no finding about it
    assertThat(r.findings()).hasSize(1);
  }

  @Test
  void anAnnouncedStreamThatGetsNothingIsHeldThenPassesUnchanged() throws IOException {
    ByteString t = trace(2);
    Path f = recording("otel.jsonl", traces(span(t, id(20), null, "chat gpt-4o", 0, 900)
        .addAttributes(kv("gen_ai.operation.name", "chat")).addAttributes(kv("gen_ai.request.stream", true)).build()));
    Report r = explain(defaults, f);
    StreamReport s = streams(r).get(0);
    assertThat(s.outcome()).isEqualTo("unchanged");
    assertThat(items(r).get(0).what()).isEqualTo(What.CANDIDATE);
    assertThat(only(r, "no_stream_data").message()).contains("gen_ai.operation.name=chat, gen_ai.request.stream=true")
        .contains("held for finalize_grace (2s)");
    assertThat(r.totals().outSpans()).isEqualTo(1);
  }

  @Test
  void chunkLikeLogRecordsWithoutARuleGetTheRuleToAddAndTheRuleWorks() throws Exception {
    ByteString t = trace(3);
    ByteString chat = id(30);
    List<LogRecord> records = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      records.add(LogRecord.newBuilder().setTraceId(t).setSpanId(chat).setTimeUnixNano(ms(100 + 20 * i)).setEventName("gen_ai.choice")
          .addAttributes(kv("gen_ai.usage.output_tokens", 3L * (i + 1))).build());
    }
    Path f = recording("choice.jsonl",
        logs(records.toArray(LogRecord[]::new)),
        traces(span(t, chat, null, "chat claude", 0, 300).addAttributes(kv("gen_ai.operation.name", "chat")).build()));
    Report r = explain(defaults, f);

    assertThat(items(r)).filteredOn(i -> i.kind().equals("log")).allSatisfy(i -> {
      assertThat(i.what()).isEqualTo(What.PASSED);
      assertThat(i.detail()).isEqualTo("no chunk_logs rule matches");
    });
    Finding hint = only(r, "unmatched_chunk_logs");
    assertThat(hint.level()).isEqualTo("hint");
    assertThat(hint.message()).startsWith("4 log records named `gen_ai.choice` on span `chat claude` look like chunks")
        .contains("once per whole choice")
        .contains("    chunk_logs:\n      - {event_name: gen_ai.content.completion.chunk}\n      - {event_name: llm_stream.chunk}\n"
            + "      - {event_name: gen_ai.choice}");
    only(r, "no_stream_data");

    // the suggested YAML, as written, makes them chunks
    String yaml = hint.message().substring(hint.message().indexOf("window:"));
    StreamfoldConfig fixed = new ConfigLoader().parse(yaml);
    Report again = explain(fixed.window(), f);
    StreamReport s = streams(again).get(0);
    assertThat(s.shape()).isEqualTo("chunk_logs");
    assertThat(s.chunks()).isEqualTo(4);
    assertThat(s.rules()).containsExactly("chunk_logs[2] event_name=gen_ai.choice");
    assertThat(s.figures()).containsEntry("llm_stream.ttft_ms", 100.0).containsEntry("llm_stream.output_tokens", 12L)
        .containsEntry("llm_stream.token_source", "chunk_attributes");
    assertThat(again.findings()).extracting(Finding::code).doesNotContain("unmatched_chunk_logs", "no_stream_data");
  }

  @Test
  void chunksWithoutTheirStreamSpanCloseAsIncompleteAfterTheIdleTimeout() throws IOException {
    ByteString t = trace(4);
    ByteString missing = id(40);
    Path f = recording("cut.jsonl", traces(chunk(t, missing, 41, 0, 10, 100), chunk(t, missing, 42, 1, 100, 150), chunk(t, missing, 43, 2, 150, 210)));
    Report r = explain(defaults, f);

    StreamReport s = streams(r).get(0);
    assertThat(s.outcome()).isEqualTo("incomplete");
    assertThat(s.streamSpan()).isEmpty();
    assertThat(s.endReason()).isEqualTo("idle_timeout");
    assertThat(s.emittedName()).isEqualTo("llm_stream.incomplete");
    assertThat(s.figures()).containsEntry("llm_stream.complete", false).containsEntry("llm_stream.chunk.count", 3L)
        .containsEntry("llm_stream.sampling_ms", 110.0).doesNotContainKeys("llm_stream.ttft_ms", "llm_stream.duration_ms");
    Finding f1 = only(r, "missing_stream_span");
    assertThat(f1.level()).isEqualTo("problem");
    assertThat(f1.spanId()).isEqualTo(dev.streamfold.testing.Otlp.hex(missing));
    assertThat(f1.message()).contains("3 chunk spans").contains("is not in the input").contains("idle_timeout (30s)")
        .contains("no TTFT or duration");
  }

  @Test
  void repeatedUnrecognizedEventsAndChunkNamedSiblingsGetRuleHints() throws IOException {
    ByteString t = trace(5);
    ByteString call = id(50);
    Path f = recording("grpc.jsonl", traces(
        span(t, call, null, "/chat.Chat/Stream", 0, 500)
            .addEvents(event("message", 100, kv("message.type", "RECEIVED"))).addEvents(event("message", 150, kv("message.type", "RECEIVED")))
            .addEvents(event("message", 190, kv("message.type", "RECEIVED"))).build(),
        span(t, id(51), call, "stream.delta_1", 90, 100).build(),
        span(t, id(52), call, "stream.delta_2", 100, 150).build()));
    Report r = explain(defaults, f);
    assertThat(only(r, "unmatched_chunk_events").message()).startsWith("3 span events named `message` on span `/chat.Chat/Stream`")
        .contains("      - {event_name: message}");
    assertThat(only(r, "unmatched_chunk_spans").message()).contains("2 sibling spans under 1 parent")
        .contains("{name_regex: '^stream\\.delta_[0-9]+$'}");
    assertThat(streams(r)).isEmpty();
  }

  @Test
  void streamfoldsOwnOutputIsRecognizedAsTheWrongThingToRecord() throws IOException {
    ByteString t = trace(7);
    Path f = recording("output.jsonl", traces(span(t, id(70), null, "chat gpt-4o", 0, 500)
        .addAttributes(kv("llm_stream.input_shape", "chunk_logs")).addAttributes(kv("llm_stream.ttft_ms", 120.0))
        .addAttributes(kv("gen_ai.response.time_to_first_chunk", 0.12)).build()));
    Report r = explain(defaults, f);
    assertThat(only(r, "already_condensed").message()).startsWith("1 spans already carry streamfold's llm_stream.* attributes")
        .contains("this recording is streamfold's output");
    assertThat(r.findings()).extracting(Finding::code).containsExactly("already_condensed");
  }

  @Test
  void commandExitsZeroWithTextOrJsonAndNonZeroNamingTheBadLine() throws IOException {
    ByteString t = trace(6);
    Path good = recording("good.jsonl", traces(chunk(t, id(60), 61, 0, 10, 100), span(t, id(60), null, "respond", 0, 200).build()));
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    assertThat(ExplainCommand.run(new String[] {"--json", good.toString()}, new PrintStream(out), new PrintStream(err))).isZero();
    JsonObject json = JsonParser.parseString(out.toString(StandardCharsets.UTF_8)).getAsJsonObject();
    JsonObject stream = json.getAsJsonArray("traces").get(0).getAsJsonObject().getAsJsonArray("streams").get(0).getAsJsonObject();
    assertThat(stream.getAsJsonObject("figures").get("llm_stream.ttft_ms").getAsDouble()).isEqualTo(100.0);
    assertThat(stream.getAsJsonObject("figures").get("llm_stream.chunk.count").getAsLong()).isEqualTo(1);
    assertThat(json.getAsJsonArray("traces").get(0).getAsJsonObject().getAsJsonArray("items").get(0).getAsJsonObject()
        .get("what").getAsString()).isEqualTo("chunk");
    assertThat(err.size()).isZero();

    Path bad = Files.writeString(dir.resolve("bad.jsonl"), Files.readString(good) + "{not json\n");
    out.reset();
    assertThat(ExplainCommand.run(new String[] {bad.toString()}, new PrintStream(out), new PrintStream(err))).isEqualTo(1);
    assertThat(err.toString(StandardCharsets.UTF_8)).startsWith("error: " + bad + ":2: invalid JSON");
    assertThat(out.toString(StandardCharsets.UTF_8)).contains("stream S1").contains("respond");

    err.reset();
    assertThat(ExplainCommand.run(new String[] {}, new PrintStream(out), new PrintStream(err))).isEqualTo(2);
    Path badConfig = Files.writeString(dir.resolve("bad.yaml"), "window:\n  finalize_grace: -1s\n");
    assertThat(ExplainCommand.run(new String[] {"--config", badConfig.toString(), good.toString()}, new PrintStream(out), new PrintStream(err)))
        .isEqualTo(2);
  }

  static Path fixture(String name) {
    return Path.of("src/test/resources/fixtures", name);
  }
}
