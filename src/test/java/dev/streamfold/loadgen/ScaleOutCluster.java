package dev.streamfold.loadgen;

import static org.assertj.core.api.Assertions.assertThat;

import dev.streamfold.app.Service;
import dev.streamfold.config.StreamfoldConfig;
import dev.streamfold.testing.FakeCollector;
import dev.streamfold.testing.TestServices;
import dev.streamfold.time.ManualClock;
import io.grpc.Status;
import io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * N in-process services (each with its own real gRPC downstream, all on one manual clock) and
 * the generator's deterministic input, for the scale-out tests. Instances have logical ring names
 * ({@code instance-K:4317}) so the ring, and so the split, does not depend on ephemeral ports.
 */
final class ScaleOutCluster implements AutoCloseable {
  final ManualClock clock = new ManualClock();
  final List<Service> services = new ArrayList<>();
  final List<FakeCollector> downstreams = new ArrayList<>();
  final Map<String, Integer> ports = new LinkedHashMap<>();
  private final HttpClient http = HttpClient.newHttpClient();

  /** Starts one more instance; returns its ring name. */
  String start() throws Exception {
    FakeCollector d = new FakeCollector();
    StreamfoldConfig cfg = TestServices.config(d.endpoint());
    Service s = new Service(cfg, clock);
    s.start();
    downstreams.add(d);
    services.add(s);
    String name = name(services.size());
    ports.put(name, s.grpcPort());
    return name;
  }

  static String name(int k) {
    return "instance-" + k + ":4317";
  }

  /** The transport of a ring name: gRPC to that instance's real port. */
  Transport connect(String ringName, LoadStats stats) {
    LoadGenOptions o = LoadGenOptions.parse("--in-flight", "4");
    Map<Status.Code, String> errors = GrpcTransport.newErrorMap();
    return new GrpcTransport(o, "127.0.0.1:" + ports.get(ringName), stats, errors);
  }

  /**
   * The generator's requests for {@code args} (one worker, closed loop), in the order it sent
   * them, traces and logs interleaved. Deterministic for a seed apart from timestamps.
   */
  static List<Object> input(String... args) {
    LoadGenOptions o = LoadGenOptions.parse(args);
    List<Object> out = new ArrayList<>();
    Transport t = new Transport() {
      @Override
      public void send(ExportTraceServiceRequest request, long[] counts) {
        out.add(request);
      }

      @Override
      public void send(ExportLogsServiceRequest request, long[] counts) {
        out.add(request);
      }

      @Override
      public boolean awaitIdle(long timeoutMillis) {
        return true;
      }

      @Override
      public void close() {}
    };
    LoadWorker w = new LoadWorker(o, o.seed, o.streams, 0, 0, t, new AtomicBoolean());
    w.run();
    assertThat(w.failure()).isNull();
    return out;
  }

  /** Sends {@code requests} through {@code t} (in order) and waits for every answer. */
  static LoadStats send(Transport t, List<Object> requests, LoadStats stats) throws InterruptedException {
    for (Object r : requests) {
      long[] counts = new long[LoadStats.METRICS];
      if (r instanceof ExportTraceServiceRequest tr) {
        counts[LoadStats.SPANS] = RouteCounts.spans(tr);
        t.send(tr, counts);
      } else {
        counts[LoadStats.LOGS] = RouteCounts.logs((ExportLogsServiceRequest) r);
        t.send((ExportLogsServiceRequest) r, counts);
      }
    }
    assertThat(t.awaitIdle(20_000)).isTrue();
    return stats;
  }

  /** Lets every window see what was sent, then moves the clock on by {@code d}. */
  void syncAndAdvance(Duration d) throws InterruptedException {
    for (Service s : services) {
      assertThat(s.window().sync(Duration.ofSeconds(10))).isTrue();
    }
    clock.advance(d);
  }

  /** Output spans of instance {@code k} (1-based), canonical: attributes sorted, keyed by trace id + span id. */
  Map<String, Span> output(int k) {
    Map<String, Span> out = new LinkedHashMap<>();
    for (ExportTraceServiceRequest r : downstreams.get(k - 1).traces) {
      for (ResourceSpans rs : r.getResourceSpansList()) {
        for (ScopeSpans ss : rs.getScopeSpansList()) {
          for (Span s : ss.getSpansList()) {
            List<KeyValue> attrs = new ArrayList<>(s.getAttributesList());
            attrs.sort(Comparator.comparing(KeyValue::getKey));
            // the resource and scope travel with the span in the comparison
            Span canonical = s.toBuilder().clearAttributes().addAllAttributes(attrs)
                .addAttributes(KeyValue.newBuilder().setKey("test.resource").setValue(
                    io.opentelemetry.proto.common.v1.AnyValue.newBuilder().setStringValue(rs.getResource().toString())))
                .addAttributes(KeyValue.newBuilder().setKey("test.scope").setValue(
                    io.opentelemetry.proto.common.v1.AnyValue.newBuilder().setStringValue(ss.getScope().getName())))
                .build();
            assertThat(out.put(hex(s.getTraceId()) + "/" + hex(s.getSpanId()), canonical)).as("duplicate output span").isNull();
          }
        }
      }
    }
    return out;
  }

  int outputCount(int k) {
    return downstreams.get(k - 1).spans().size();
  }

  /** Sum of the series of {@code name} on instance {@code k} whose labels contain every filter. */
  double metric(int k, String name, String... filters) throws Exception {
    String body = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + services.get(k - 1).metricsPort() + "/metrics"))
        .build(), HttpResponse.BodyHandlers.ofString()).body();
    Pattern line = Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{[^}]*})?\\s+(\\S+)");
    double sum = 0;
    for (String l : body.split("\n")) {
      Matcher m = line.matcher(l);
      if (l.startsWith("#") || !m.find() || !m.group(1).equals(name)) {
        continue;
      }
      String labels = m.group(2) == null ? "" : m.group(2);
      boolean all = true;
      for (String f : filters) {
        all &= labels.contains(f);
      }
      if (all) {
        sum += Double.parseDouble(m.group(3));
      }
    }
    return sum;
  }

  static String hex(com.google.protobuf.ByteString b) {
    return java.util.HexFormat.of().formatHex(b.toByteArray());
  }

  @Override
  public void close() throws Exception {
    for (Service s : services) {
      s.stop();
    }
    for (FakeCollector d : downstreams) {
      d.close();
    }
  }
}
