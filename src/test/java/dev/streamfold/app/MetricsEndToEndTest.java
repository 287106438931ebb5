package dev.streamfold.app;

import dev.streamfold.testing.TestServices;
import static dev.streamfold.testing.Otlp.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.ByteString;
import dev.streamfold.testing.FakeCollector;
import dev.streamfold.time.ManualClock;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.opentelemetry.proto.collector.logs.v1.LogsServiceGrpc;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;
import io.opentelemetry.proto.collector.trace.v1.TraceServiceGrpc;
import io.opentelemetry.proto.trace.v1.Span;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Streams sent through the real receiver, metrics read back from a scrape of the real endpoint:
 * TTFT buckets, one interval observation per chunk interval, no TTFT without a stream span, the
 * conservation law of SPEC 3 after a mixed run with bad, duplicate and late items, exemplars.
 */
class MetricsEndToEndTest {
  FakeCollector downstream;
  ManualClock clock;
  Service service;
  ManagedChannel channel;
  final HttpClient http = HttpClient.newHttpClient();

  @BeforeEach
  void start() throws Exception {
    downstream = new FakeCollector();
    clock = new ManualClock();
    service = new Service(TestServices.config(downstream.endpoint()), clock);
    service.start();
    channel = NettyChannelBuilder.forAddress("127.0.0.1", service.grpcPort()).usePlaintext().build();
  }

  @AfterEach
  void stop() throws Exception {
    channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    service.stop();
    downstream.close();
  }

  @Test
  void scrapeShowsStreamFiguresAndTheConservationLaw() throws Exception {
    TraceServiceGrpc.TraceServiceBlockingStub traces = TraceServiceGrpc.newBlockingStub(channel);
    LogsServiceGrpc.LogsServiceBlockingStub logs = LogsServiceGrpc.newBlockingStub(channel);
    ByteString t1 = trace(1);
    ByteString s1 = id(100);
    Span stream1 = span(t1, s1, null, "chat", 0, 200).addAttributes(kv("gen_ai.request.model", "gpt-4o"))
        .addAttributes(kv("gen_ai.provider.name", "openai")).addAttributes(kv("gen_ai.usage.output_tokens", 10L)).build();
    Span c1 = chunk(t1, s1, 11, 0, 0, 30);
    // stream 1: chunks at 30, 45, 105 ms -> TTFT 30 ms, intervals 15 and 60 ms; one duplicate chunk
    traces.export(traces(c1, chunk(t1, s1, 12, 1, 30, 45)));
    traces.export(traces(c1, chunk(t1, s1, 13, 2, 45, 105), stream1));
    // a plain span with an event, and a bad span (all-zero trace id) rejected in partial_success
    Span plain = span(t1, id(5), null, "http", 0, 1).addEvents(event("e", 0)).build();
    Span bad = span(ByteString.copyFrom(new byte[16]), id(6), null, "bad", 0, 1).build();
    ExportTraceServiceResponse resp = traces.export(traces(plain, bad));
    assertThat(resp.getPartialSuccess().getRejectedSpans()).isEqualTo(1);
    // stream 2: chunk logs, never a stream span: 4 chunks -> 3 intervals, no TTFT
    ByteString t2 = trace(2);
    logs.export(logs(chunkLog(t2, id(200), 10), chunkLog(t2, id(200), 20), chunkLog(t2, id(200), 40), chunkLog(t2, id(200), 80)));
    assertThat(service.window().sync(Duration.ofSeconds(10))).isTrue();
    clock.advance(Duration.ofSeconds(2)); // stream 1 closes
    assertThat(service.window().sync(Duration.ofSeconds(10))).isTrue();
    traces.export(traces(chunk(t1, s1, 14, 3, 105, 110))); // late
    clock.advance(Duration.ofSeconds(30)); // stream 2 closes as idle
    assertThat(service.window().sync(Duration.ofSeconds(10))).isTrue();
    await().atMost(Duration.ofSeconds(10)).until(() -> downstream.spans().size() == 4); // plain, stream1, late chunk, incomplete

    Map<String, Double> m = scrape("text/plain");
    assertThat(sum(m, "gen_ai_client_operation_time_to_first_chunk_seconds_count")).isEqualTo(1.0);
    assertThat(sum(m, "gen_ai_client_operation_time_to_first_chunk_seconds_bucket", "le=\"0.02\"")).isEqualTo(0.0);
    assertThat(sum(m, "gen_ai_client_operation_time_to_first_chunk_seconds_bucket", "le=\"0.04\"")).isEqualTo(1.0);
    assertThat(sum(m, "gen_ai_client_operation_time_per_output_chunk_seconds_count")).isEqualTo(2.0 + 3.0);
    assertThat(sum(m, "gen_ai_client_operation_time_per_output_chunk_seconds_count", "llm_stream_complete=\"false\"")).isEqualTo(3.0);
    assertThat(sum(m, "gen_ai_client_operation_time_per_output_chunk_seconds_bucket", "le=\"0.01\"")).isEqualTo(1.0); // 10 ms log interval
    assertThat(sum(m, "gen_ai_client_operation_duration_seconds_count")).isEqualTo(1.0);
    assertThat(sum(m, "gen_ai_client_token_usage_count", "gen_ai_token_type=\"output\"")).isEqualTo(1.0);
    assertThat(sum(m, "llm_stream_closed_total", "llm_stream_end_reason=\"stream_end\"")).isEqualTo(1.0);
    assertThat(sum(m, "llm_stream_closed_total", "llm_stream_end_reason=\"idle_timeout\"")).isEqualTo(1.0);
    assertThat(sum(m, "streamfold_late_chunks_total")).isEqualTo(1.0);
    assertThat(sum(m, "streamfold_duplicate_chunks_total")).isEqualTo(1.0);
    assertThat(sum(m, "streamfold_refused_total", "reason=\"invalid_item\"")).isEqualTo(1.0);
    assertThat(sum(m, "streamfold_generated_spans_total")).isEqualTo(1.0);

    // conservation, per unit, from one scrape
    for (String unit : new String[] {"span", "span_event", "log_record"}) {
      String u = "unit=\"" + unit + "\"";
      double received = sum(m, "streamfold_received_total", u);
      double accounted = sum(m, "streamfold_passed_total", u) + sum(m, "streamfold_condensed_total", u)
          + sum(m, "streamfold_dropped_total", u) + sum(m, "streamfold_buffered", u);
      assertThat(accounted).as(unit).isEqualTo(received);
    }
    assertThat(sum(m, "streamfold_received_total", "unit=\"span\"")).isEqualTo(7.0); // 4 chunk spans (one a duplicate), stream, plain, late chunk
    assertThat(sum(m, "streamfold_received_total", "unit=\"log_record\"")).isEqualTo(4.0);

    // exemplars link the TTFT bucket to the stream's trace
    String om = body("application/openmetrics-text; version=1.0.0");
    assertThat(om).containsPattern("gen_ai_client_operation_time_to_first_chunk_seconds_bucket\\{[^}]*le=\"0.04\"[^}]*} 1(\\.0)? # \\{[^}]*trace_id=\"" + hex(t1) + "\"");
  }

  private Map<String, Double> scrape(String accept) throws Exception {
    Map<String, Double> m = new HashMap<>();
    Pattern line = Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{[^}]*})?\\s+(\\S+)");
    for (String l : body(accept).split("\n")) {
      Matcher mt = line.matcher(l);
      if (!l.startsWith("#") && mt.find()) {
        m.merge(mt.group(1) + (mt.group(2) == null ? "" : mt.group(2)), Double.parseDouble(mt.group(3)), Double::sum);
      }
    }
    return m;
  }

  private String body(String accept) throws Exception {
    HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + service.metricsPort() + "/metrics"))
        .header("Accept", accept).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).isEqualTo(200);
    return r.body();
  }

  /** Sum of every series of {@code name} whose labels contain all {@code filters}. */
  private static double sum(Map<String, Double> m, String name, String... filters) {
    double s = 0;
    for (Map.Entry<String, Double> e : m.entrySet()) {
      String k = e.getKey();
      if (!(k.equals(name) || k.startsWith(name + "{"))) {
        continue;
      }
      boolean all = true;
      for (String f : filters) {
        all &= k.contains(f);
      }
      if (all) {
        s += e.getValue();
      }
    }
    return s;
  }
}
