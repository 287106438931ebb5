package dev.streamfold.telemetry;

import static dev.streamfold.telemetry.Streams.stream;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.streamfold.config.TelemetryConfig;
import dev.streamfold.config.TestConfig;
import dev.streamfold.derive.TokenSource;
import dev.streamfold.pipeline.Signal;
import dev.streamfold.pipeline.Unit;
import java.io.ByteArrayInputStream;
import java.io.File;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MetricsServerTest {
  static final String OPENMETRICS = "application/openmetrics-text;version=1.0.0,application/openmetrics-text;"
      + "version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1";

  private Telemetry telemetry;
  private int port;

  @BeforeEach
  void start() throws Exception {
    TelemetryConfig c = TestConfig.telemetry("prometheus.endpoint=127.0.0.1:0");
    telemetry = Telemetry.builder(c).build();
    telemetry.start();
    port = telemetry.metricsServer().orElseThrow().port();
  }

  @AfterEach
  void stop() {
    telemetry.shutdown(Duration.ofSeconds(1));
  }

  private void recordSomething() {
    telemetry.registerActiveStreams(() -> 2);
    telemetry.streamListener().onStreamClosed(stream().ttft(15.0).duration(420.0).intervals(4, 9)
        .tokens(TokenSource.USAGE, 20L, 60L).tokensPerSecond(150.0).build());
    PipelineMetrics m = telemetry.pipelineMetrics();
    m.received(Signal.TRACES, Unit.SPAN, 10);
    m.dropped(Unit.SPAN, "chunk_consumed", 4);
    m.gauge("streamfold.export.queue_size", "Items queued for export.", () -> 5, "signal", "traces");
  }

  @Test
  void prometheusTextByDefault() throws Exception {
    recordSomething();
    HttpResponse<String> r = Streams.scrape(port, null);

    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.headers().firstValue("Content-Type").orElseThrow()).startsWith("text/plain; version=0.0.4");
    Exposition e = Exposition.parse(r.body());
    assertThat(e.eof).isFalse();
    assertThat(e.samples).allSatisfy(s -> assertThat(s.exemplar()).isNull());
    // JVM and process metrics are there
    assertThat(e.types).containsKeys("jvm_memory_used_bytes", "process_cpu_usage", "jvm_threads_live_threads");
    // micrometer's _max gauges of the SPEC 4 histograms are not
    assertThat(e.types.keySet()).noneMatch(n -> n.startsWith("gen_ai_") && n.endsWith("_max"));
  }

  @Test
  void openMetricsWithExemplarsWhenAsked() throws Exception {
    recordSomething();
    HttpResponse<String> r = Streams.scrape(port, OPENMETRICS);

    assertThat(r.headers().firstValue("Content-Type").orElseThrow()).startsWith("application/openmetrics-text; version=1.0.0");
    Exposition e = Exposition.parse(r.body());
    assertThat(e.eof).isTrue();
    Map<String, String> ids = Map.of("trace_id", Streams.TRACE, "span_id", Streams.SPAN);
    // 15 ms lands in le=0.02: its exemplar links to the stream
    Exposition.Sample ttft = e.named(StreamMetricsTest.TTFT + "_bucket", Map.of("le", "0.02")).get(0);
    assertThat(ttft.exemplar()).isEqualTo(ids);
    assertThat(ttft.exemplarValue()).isEqualTo(0.015);
    assertThat(e.named(StreamMetricsTest.DURATION + "_bucket", Map.of("le", "0.64")).get(0).exemplar()).isEqualTo(ids);
    assertThat(e.named(StreamMetricsTest.TOKENS + "_bucket", Map.of("le", "64.0", "gen_ai_token_type", "output"))
        .get(0).exemplar()).isEqualTo(ids);
    // only buckets and counters carry exemplars (OpenMetrics 1.0), never _count or _sum
    assertThat(e.samples).filteredOn(s -> s.exemplar() != null)
        .allSatisfy(s -> assertThat(s.name()).matches(".*(_bucket|_total)"));
    // buckets without an observation carry none
    assertThat(e.named(StreamMetricsTest.TTFT + "_bucket", Map.of("le", "0.01")).get(0).exemplar()).isNull();
    // an id is never a label
    assertThat(e.samples).allSatisfy(s -> assertThat(s.labels().values()).doesNotContain(Streams.TRACE, Streams.SPAN));
  }

  @Test
  void noExemplarForMalformedIds() throws Exception {
    telemetry.streamListener().onStreamClosed(stream().ttft(15.0).ids("not-hex", "00").build());
    telemetry.streamListener().onStreamClosed(stream().ttft(15.0).model("zero")
        .ids("00000000000000000000000000000000", "0000000000000000").build());

    Exposition e = Streams.scrapeParsed(port, OPENMETRICS);

    assertThat(e.named(StreamMetricsTest.TTFT + "_bucket")).allSatisfy(s -> assertThat(s.exemplar()).isNull());
  }

  @Test
  void selfMetricsAndGauges() throws Exception {
    recordSomething();
    Exposition e = Streams.scrapeParsed(port, null);

    assertThat(e.named("streamfold_received_total", Map.of("signal", "traces", "unit", "span")).get(0).value()).isEqualTo(10.0);
    assertThat(e.named("streamfold_dropped_total", Map.of("unit", "span", "reason", "chunk_consumed")).get(0).value()).isEqualTo(4.0);
    assertThat(e.named("streamfold_export_queue_size", Map.of("signal", "traces")).get(0).value()).isEqualTo(5.0);
  }

  @Test
  void gzipWhenAccepted() throws Exception {
    recordSomething();
    HttpRequest req = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics"))
        .header("Accept-Encoding", "gzip").GET().build();
    HttpResponse<byte[]> r = HttpClient.newHttpClient().send(req, HttpResponse.BodyHandlers.ofByteArray());

    assertThat(r.headers().firstValue("Content-Encoding")).hasValue("gzip");
    String body;
    try (GZIPInputStream in = new GZIPInputStream(new ByteArrayInputStream(r.body()))) {
      body = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
    assertThat(Exposition.parse(body).types).containsKey(StreamMetricsTest.TTFT);
  }

  @Test
  void otherPathsAndMethodsAreRefused() throws Exception {
    HttpClient client = HttpClient.newHttpClient();
    HttpResponse<String> notFound = client.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/other")).GET().build(),
        HttpResponse.BodyHandlers.ofString());
    HttpResponse<String> post = client.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics"))
            .POST(HttpRequest.BodyPublishers.ofString("x")).build(),
        HttpResponse.BodyHandlers.ofString());

    assertThat(notFound.statusCode()).isEqualTo(404);
    assertThat(post.statusCode()).isEqualTo(405);
    assertThat(post.headers().firstValue("Allow")).hasValue("GET, HEAD");
  }

  @Test
  void portIsReleasedOnShutdown() throws Exception {
    MetricsServer server = telemetry.metricsServer().orElseThrow();
    int bound = server.port();
    server.shutdown(Duration.ofSeconds(1));

    assertThat(server.port()).isEqualTo(-1);
    try (java.net.ServerSocket s = new java.net.ServerSocket()) {
      s.bind(new java.net.InetSocketAddress("127.0.0.1", bound));
      assertThat(s.isBound()).isTrue();
    }
  }

  @Test
  void strictOpenMetricsParserAcceptsTheExposition(@TempDir Path dir) throws Exception {
    String python = Stream.of("python3", "/usr/bin/python3")
        .filter(MetricsServerTest::hasPrometheusClient)
        .findFirst()
        .orElse(null);
    assumeTrue(python != null, "python3 with prometheus_client not installed");
    recordSomething();
    for (int i = 0; i < 3; i++) {
      telemetry.streamListener().onStreamClosed(stream().model("m" + i).ttft(1.0).build());
    }
    Path file = dir.resolve("metrics.om");
    Files.writeString(file, Streams.scrape(port, OPENMETRICS).body());

    Process p = new ProcessBuilder(python, "-c",
        "import sys\n"
            + "from prometheus_client.openmetrics.parser import text_string_to_metric_families\n"
            + "fams = list(text_string_to_metric_families(open(sys.argv[1]).read()))\n"
            + "ex = sum(1 for f in fams for s in f.samples if s.exemplar)\n"
            + "print(len(fams), ex)\n",
        file.toString())
        .redirectErrorStream(true)
        .start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();

    assertThat(p.exitValue()).as(out).isZero();
    String[] counts = out.split(" ");
    assertThat(Integer.parseInt(counts[0])).isGreaterThan(20);
    assertThat(Integer.parseInt(counts[1])).isGreaterThan(5);
  }

  private static boolean hasPrometheusClient(String python) {
    try {
      Process p = new ProcessBuilder(python, "-c", "import prometheus_client.openmetrics.parser")
          .redirectErrorStream(true)
          .start();
      p.getInputStream().readAllBytes();
      return p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0;
    } catch (java.io.IOException | InterruptedException e) {
      return false;
    }
  }

  @Test
  void promtoolAcceptsTheExposition(@TempDir Path dir) throws Exception {
    assumeTrue(List.of(System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)).stream()
        .anyMatch(p -> Files.isExecutable(Path.of(p, "promtool"))), "promtool not installed");
    recordSomething();
    // overflow and empty labels included
    for (int i = 0; i < 3; i++) {
      telemetry.streamListener().onStreamClosed(stream().model("m" + i).ttft(1.0).build());
    }
    Path file = dir.resolve("metrics.txt");
    Files.writeString(file, Streams.scrape(port, null).body());

    Process p = new ProcessBuilder("promtool", "check", "metrics")
        .redirectInput(file.toFile())
        .redirectErrorStream(true)
        .start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();

    // exit 0 = clean (3 would be lint problems, anything else a parse error)
    assertThat(p.exitValue()).as("promtool exit code; output:\n" + out).isEqualTo(0);
    assertThat(out.lines().filter(l -> !l.isBlank())).as("lint findings").isEmpty();
  }
}
