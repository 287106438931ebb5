package dev.streamfold.debug;

import static dev.streamfold.testing.Otlp.chunk;
import static dev.streamfold.testing.Otlp.id;
import static dev.streamfold.testing.Otlp.kv;
import static dev.streamfold.testing.Otlp.logs;
import static dev.streamfold.testing.Otlp.span;
import static dev.streamfold.testing.Otlp.trace;
import static dev.streamfold.testing.Otlp.traces;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.google.protobuf.ByteString;
import com.google.protobuf.Message;
import dev.streamfold.app.Service;
import dev.streamfold.config.StreamfoldConfig;
import dev.streamfold.config.TestConfig;
import dev.streamfold.testing.FakeCollector;
import dev.streamfold.testing.TestServices;
import dev.streamfold.time.ManualClock;
import io.opentelemetry.proto.logs.v1.LogRecord;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The live debug page of a running service, fetched with a real HTTP client: it lists the open
 * streams, the closed ones with their figures and end reasons, the chunks per rule and the
 * unrecognized look-alikes, and never a prompt or completion.
 */
class DebugPageServiceTest {
  FakeCollector downstream;
  ManualClock clock;
  Service service;
  final HttpClient http = HttpClient.newHttpClient();

  @BeforeEach
  void start() throws Exception {
    downstream = new FakeCollector();
    clock = new ManualClock();
    StreamfoldConfig cfg = TestServices.config(downstream.endpoint());
    cfg = TestConfig.with(cfg, "service.debug.enabled=true", "service.debug.endpoint=127.0.0.1:0");
    service = new Service(cfg, clock);
    service.start();
  }

  @AfterEach
  void stop() throws Exception {
    service.stop();
    downstream.close();
  }

  void post(String signal, Message m) throws Exception {
    HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + service.httpPort() + "/v1/" + signal))
        .header("Content-Type", "application/x-protobuf").POST(HttpRequest.BodyPublishers.ofByteArray(m.toByteArray())).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(service.window().sync(Duration.ofSeconds(10))).isTrue();
  }

  HttpResponse<String> get(String path) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + service.debugPort() + path)).build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void pageListsOpenAndClosedStreamsRulesAndFindings() throws Exception {
    // an open stream: chunk spans whose stream span has not arrived
    ByteString t1 = trace(1);
    post("traces", traces(chunk(t1, id(10), 11, 0, 10, 100), chunk(t1, id(10), 12, 1, 100, 150)));
    // a stream that closes: chunks and their stream span
    ByteString t2 = trace(2);
    post("traces", traces(chunk(t2, id(20), 21, 0, 10, 100), span(t2, id(20), null, "respond", 0, 200)
        .addAttributes(kv("gen_ai.request.model", "gpt-4o")).addAttributes(kv("gen_ai.input.messages", "SECRET PROMPT")).build()));
    // a model call without chunks, and chunk-like logs no rule matches
    ByteString t3 = trace(3);
    post("traces", traces(span(t3, id(30), null, "chat claude", 0, 300).addAttributes(kv("gen_ai.operation.name", "chat")).build()));
    post("logs", logs(
        LogRecord.newBuilder().setTraceId(t3).setSpanId(id(30)).setEventName("gen_ai.choice").build(),
        LogRecord.newBuilder().setTraceId(t3).setSpanId(id(30)).setEventName("gen_ai.choice").build(),
        LogRecord.newBuilder().setTraceId(t3).setSpanId(id(30)).setEventName("gen_ai.choice").build()));
    clock.advance(Duration.ofSeconds(2));
    assertThat(service.window().sync(Duration.ofSeconds(10))).isTrue();

    HttpResponse<String> page = get(DebugPage.HTML_PATH);
    assertThat(page.statusCode()).isEqualTo(200);
    assertThat(page.headers().firstValue("Content-Type")).hasValueSatisfying(v -> assertThat(v).startsWith("text/html"));
    String html = page.body();
    assertThat(html).contains("<td>chat-app</td><td></td><td>chunk_spans</td><td class=\"n\">1</td><td class=\"n\">2</td>")
        .contains("<td>respond</td><td>chat-app</td><td>gpt-4o</td><td>chunk_spans</td><td>stream_end</td><td>true</td>")
        .contains("chunk_spans[0] name_regex=^.+::chunk_(?&lt;index&gt;[0-9]+)$</td><td class=\"n\">3</td>")
        .contains("no_stream_data").contains("span `chat claude` (gen_ai.operation.name=chat), held as a candidate")
        .contains("unmatched_chunk_logs").contains("log records named `gen_ai.choice`")
        .doesNotContain("SECRET PROMPT").doesNotContain("<script");

    JsonObject json = JsonParser.parseString(get(DebugPage.JSON_PATH).body()).getAsJsonObject();
    assertThat(json.get("windowOpenStreams").getAsLong()).isEqualTo(1);
    JsonArray recent = json.getAsJsonArray("recent");
    // the model call, held as a candidate for the grace and left unchanged, is not a stream: only a finding
    assertThat(recent).hasSize(1);
    JsonObject closed = recent.get(0).getAsJsonObject();
    assertThat(closed.get("traceId").getAsString()).isEqualTo(dev.streamfold.testing.Otlp.hex(t2));
    assertThat(closed.getAsJsonObject("figures").get("ttft_ms").getAsDouble()).isEqualTo(100.0);
    assertThat(json.getAsJsonArray("findings")).anySatisfy(f -> {
      assertThat(f.getAsJsonObject().get("code").getAsString()).isEqualTo("unmatched_chunk_logs");
      assertThat(f.getAsJsonObject().get("count").getAsLong()).isEqualTo(3);
    });

    // the open stream closes as incomplete once idle: it moves to the closed list with its reason
    clock.advance(Duration.ofSeconds(30));
    assertThat(service.window().sync(Duration.ofSeconds(10))).isTrue();
    String after = get(DebugPage.HTML_PATH).body();
    assertThat(after).contains("<h2>Open streams by service, model and shape</h2>\n<p>none</p>")
        .contains("<td>llm_stream.incomplete</td><td>chat-app</td><td></td><td>chunk_spans</td><td>idle_timeout</td><td>false</td>")
        .contains("missing_stream_span");
  }
}
