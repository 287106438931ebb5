package dev.streamfold.reliability;

import com.google.protobuf.ByteString;
import dev.streamfold.app.Service;
import dev.streamfold.otlp.Attributes;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest;
import io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceResponse;
import io.opentelemetry.proto.collector.logs.v1.LogsServiceGrpc;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;
import io.opentelemetry.proto.collector.trace.v1.TraceServiceGrpc;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.trace.v1.Span;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Shared helpers for the service-level reliability tests: config, clients, scrape, health, summaries. */
final class Harness {
  /** Per-call client deadline: a call not answered within it is a hung call. */
  static final Duration CALL_DEADLINE = Duration.ofSeconds(10);

  private Harness() {}

  /** Prints the one-line summary docs/RELIABILITY.md quotes. */
  static void summary(String fault, String details) {
    System.out.println("RELIABILITY " + fault + ": " + details);
  }

  // ---- gRPC client

  /** A plaintext gRPC client of the service's receiver; every call has {@link #CALL_DEADLINE}. */
  static final class GrpcClient implements AutoCloseable {
    final ManagedChannel channel;

    GrpcClient(int port) {
      channel = NettyChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().maxInboundMessageSize(64 << 20).build();
    }

    ExportTraceServiceResponse traces(ExportTraceServiceRequest r) {
      return TraceServiceGrpc.newBlockingStub(channel).withDeadlineAfter(CALL_DEADLINE.toMillis(), TimeUnit.MILLISECONDS).export(r);
    }

    ExportLogsServiceResponse logs(ExportLogsServiceRequest r) {
      return LogsServiceGrpc.newBlockingStub(channel).withDeadlineAfter(CALL_DEADLINE.toMillis(), TimeUnit.MILLISECONDS).export(r);
    }

    @Override
    public void close() throws InterruptedException {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }

  // ---- HTTP

  static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(CALL_DEADLINE).build();

  static HttpResponse<byte[]> post(int port, String path, String contentType, byte[] body) throws IOException, InterruptedException {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
        .timeout(CALL_DEADLINE).POST(HttpRequest.BodyPublishers.ofByteArray(body));
    if (contentType != null) {
      b.header("Content-Type", contentType);
    }
    return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
  }

  static int get(int port, String path) throws IOException, InterruptedException {
    HttpRequest r = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).timeout(CALL_DEADLINE).GET().build();
    return HTTP.send(r, HttpResponse.BodyHandlers.discarding()).statusCode();
  }

  // ---- /metrics scrape

  /** The Prometheus text of the service's /metrics endpoint. */
  static Scrape scrape(Service service) throws IOException, InterruptedException {
    HttpRequest r = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + service.metricsPort() + "/metrics"))
        .timeout(CALL_DEADLINE).GET().build();
    return new Scrape(HTTP.send(r, HttpResponse.BodyHandlers.ofString()).body());
  }

  /** Items in the export queues (queued, being sent or retried), from the scraped gauge. */
  static long exportQueued(Service service) throws IOException, InterruptedException {
    return scrape(service).count("streamfold_export_queue_size");
  }

  /** One scrape; {@link #sum} adds up the series of a metric whose labels include the given pairs. */
  record Scrape(String text) {
    private static final Pattern LINE = Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{(.*)\\})?\\s+(\\S+)");

    /** @param labels alternating label names and values that must all be present */
    double sum(String metric, String... labels) {
      double total = 0;
      for (String line : text.split("\n")) {
        if (line.startsWith("#")) {
          continue;
        }
        Matcher m = LINE.matcher(line);
        if (!m.find() || !m.group(1).equals(metric)) {
          continue;
        }
        String l = m.group(3) == null ? "" : m.group(3);
        boolean all = true;
        for (int i = 0; i + 1 < labels.length; i += 2) {
          if (!l.contains(labels[i] + "=\"" + labels[i + 1] + "\"")) {
            all = false;
            break;
          }
        }
        if (all) {
          total += Double.parseDouble(m.group(4));
        }
      }
      return total;
    }

    long count(String metric, String... labels) {
      return (long) sum(metric, labels);
    }
  }

  // ---- span attributes

  static AnyValue attr(Span s, String key) {
    return Attributes.find(s.getAttributesList(), key);
  }

  static String str(Span s, String key) {
    AnyValue v = attr(s, key);
    return v == null ? null : Attributes.string(v);
  }

  static long lng(Span s, String key) {
    AnyValue v = attr(s, key);
    if (v == null) {
      throw new AssertionError("no attribute " + key + " on " + s.getName());
    }
    return v.getIntValue();
  }

  static boolean bool(Span s, String key) {
    AnyValue v = attr(s, key);
    return v != null && v.getBoolValue();
  }

  static String hex(ByteString b) {
    return java.util.HexFormat.of().formatHex(b.toByteArray());
  }
}
