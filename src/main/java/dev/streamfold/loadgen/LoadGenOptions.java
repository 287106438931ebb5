package dev.streamfold.loadgen;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Command-line options of the load generator. Mutable while parsing, then treated as immutable
 * and shared read-only by all worker threads.
 */
final class LoadGenOptions {
  String endpoint = "127.0.0.1:4317";
  /** Every {@code --endpoint}; after parsing never empty, first = {@link #endpoint}. See {@link RoutingOptions}. */
  List<String> endpoints = new ArrayList<>();
  List<RingSchedule.Addition> endpointAdditions = new ArrayList<>();
  /** {@code null} = mix (a shape drawn per stream). */
  Shape shape = Shape.A;
  /** Open-loop rate in streams per second over all connections; 0 with {@link #closedLoop}. */
  double streamsPerSecond = 0;
  boolean closedLoop = false;
  /** Total streams to send, 0 = unlimited (then {@link #durationSeconds} bounds the run). */
  long streams = 0;
  /** 0 = until interrupted. */
  double durationSeconds = 10;
  int chunksPerStream = 50;
  /** Relative jitter of chunk counts, intervals and TTFT: uniform in mean x [1 - j, 1 + j]. */
  double jitter = 0.5;
  double chunkIntervalMs = 20;
  double ttftMs = 400;
  int spansPerRequest = 512;
  int maxRequestBytes = 3 << 20;
  long batchTimeoutMs = 200;
  int connections = 1;
  int inFlight = 8;
  /** Upper bound of streams a worker interleaves (open loop uses Little's law below this bound). */
  int concurrentStreams = 1000;
  long seed = System.nanoTime();
  List<String> services = List.of("chat-api", "support-bot", "code-assistant");
  List<String> models = List.of("gpt-4o", "gpt-4o-mini", "claude-sonnet-4-5", "gemini-2.5-flash");
  String action = "stream_chat";
  String token = "";
  boolean gzip = false;
  boolean progress = false;
  /** Chunks only: the stream span is never sent, so the streams stay open downstream. */
  boolean noStreamSpan = false;
  /** Puts {@code llm_stream.chunk.tokens} on every chunk (span, event or log record). */
  boolean chunkTokens = false;
  double errorRate = 0;
  long deadlineMs = 10_000;
  /** Build and serialize requests without sending them (measures the generator alone). */
  boolean dryRun = false;

  static final String USAGE = String.join("\n",
      "usage: streamfold loadgen [options]",
      "  Sends synthetic LLM streaming telemetry (SPEC 1.2 shapes) over OTLP/gRPC and reports rates.",
      "  Timestamps are computed, not slept: the send rate is set by --streams-per-second or --closed-loop.",
      "",
      "  --endpoint HOST:PORT        OTLP/gRPC receiver (default 127.0.0.1:4317)",
      RoutingOptions.USAGE,
      "  --shape A|B|C|D|mix         A chunk_spans, B chunk_events, C chunk_logs, D summary (default A)",
      "  --streams-per-second R      open loop: start R streams per second in total",
      "  --closed-loop               as fast as --in-flight permits allow (default when no rate is given)",
      "  --streams N                 stop after N streams (default 0 = no limit)",
      "  --duration S                stop starting streams after S seconds, 0 = until Ctrl-C (default 10;",
      "                              ignored when --streams is set and --duration is not)",
      "  --chunks-per-stream M       mean chunks per stream (default 50)",
      "  --jitter F                  relative jitter of counts/intervals/TTFT, 0..0.95 (default 0.5)",
      "  --chunk-interval-ms MS      mean time between chunks (default 20)",
      "  --ttft-ms MS                mean time to first chunk (default 400)",
      "  --spans-per-request N       items per export request, like BatchSpanProcessor (default 512)",
      "  --max-request-bytes N       flush a request before it gets larger (default 3145728)",
      "  --batch-timeout-ms MS       flush a partial request after this long (open loop, default 200)",
      "  --connections N             gRPC channels, one generator thread each (default 1)",
      "  --in-flight N               concurrent requests per connection (default 8)",
      "  --concurrent-streams N      streams interleaved per connection (default 1000)",
      "  --seed N                    random seed (default: time based; printed in the report)",
      "  --services N|a,b,...        service.name values: a count or a list (default 3 names)",
      "  --models N|a,b,...          gen_ai.request.model values (default gpt-4o,gpt-4o-mini,claude-sonnet-4-5,gemini-2.5-flash)",
      "  --action NAME               Burr action name in chunk span names NAME::chunk_N (default stream_chat)",
      "  --token T                   bearer token sent as 'authorization: Bearer T'",
      "  --gzip                      gzip request compression",
      "  --progress                  print rates every 5 s",
      "  --no-stream-span            send chunks only (shapes A and C): the streams stay open downstream",
      "  --chunk-tokens              add llm_stream.chunk.tokens to every chunk",
      "  --error-rate F              share of streams whose stream span has status ERROR (default 0)",
      "  --deadline-ms MS            per-request deadline (default 10000)",
      "  --dry-run                   build and serialize requests but send nothing (generator speed)",
      "  --help                      this text",
      "",
      "  The last line of the output is a JSON object with the final counts, for scripts.");

  /** Parses {@code args}; throws {@link IllegalArgumentException} with a message naming the option. */
  static LoadGenOptions parse(String... args) {
    LoadGenOptions o = new LoadGenOptions();
    boolean durationGiven = false;
    boolean rateGiven = false;
    for (int i = 0; i < args.length; i++) {
      String a = args[i];
      String v = null;
      int eq = a.indexOf('=');
      if (a.startsWith("--") && eq > 0) {
        v = a.substring(eq + 1);
        a = a.substring(0, eq);
      }
      switch (a) {
        case "--closed-loop" -> o.closedLoop = true;
        case "--gzip" -> o.gzip = true;
        case "--progress" -> o.progress = true;
        case "--no-stream-span" -> o.noStreamSpan = true;
        case "--chunk-tokens" -> o.chunkTokens = true;
        case "--dry-run" -> o.dryRun = true;
        case "--help", "-h" -> throw new HelpRequested();
        default -> {
          if (v == null) {
            if (i + 1 >= args.length) {
              throw new IllegalArgumentException(a.startsWith("--") ? a + " needs a value" : "unexpected argument '" + a + "'");
            }
            v = args[++i];
          }
          switch (a) {
            case "--endpoint", "--endpoints" -> RoutingOptions.addEndpoints(o, a, v);
            case "--add-endpoint-at" -> o.endpointAdditions.add(RoutingOptions.addition(v));
            case "--shape" -> {
              if (v.equalsIgnoreCase("mix")) {
                o.shape = null;
              } else {
                o.shape = Shape.parse(v);
                if (o.shape == null) {
                  throw new IllegalArgumentException("--shape must be A, B, C, D or mix, got '" + v + "'");
                }
              }
            }
            case "--streams-per-second" -> {
              o.streamsPerSecond = positiveDouble(a, v);
              rateGiven = true;
            }
            case "--streams" -> o.streams = nonNegativeLong(a, v);
            case "--duration" -> {
              o.durationSeconds = nonNegativeDouble(a, v);
              durationGiven = true;
            }
            case "--chunks-per-stream" -> o.chunksPerStream = (int) positiveLong(a, v, 1_000_000);
            case "--jitter" -> {
              o.jitter = nonNegativeDouble(a, v);
              if (o.jitter > 0.95) {
                throw new IllegalArgumentException("--jitter must be in [0, 0.95], got " + v);
              }
            }
            case "--chunk-interval-ms" -> o.chunkIntervalMs = nonNegativeDouble(a, v);
            case "--ttft-ms" -> o.ttftMs = nonNegativeDouble(a, v);
            case "--spans-per-request" -> o.spansPerRequest = (int) positiveLong(a, v, 1_000_000);
            case "--max-request-bytes" -> o.maxRequestBytes = (int) positiveLong(a, v, Integer.MAX_VALUE);
            case "--batch-timeout-ms" -> o.batchTimeoutMs = positiveLong(a, v, 3_600_000);
            case "--connections" -> o.connections = (int) positiveLong(a, v, 1024);
            case "--in-flight" -> o.inFlight = (int) positiveLong(a, v, 65_536);
            case "--concurrent-streams" -> o.concurrentStreams = (int) positiveLong(a, v, 10_000_000);
            case "--seed" -> o.seed = parseLong(a, v);
            case "--services" -> o.services = labels(a, v, "service-");
            case "--models" -> o.models = labels(a, v, "model-");
            case "--action" -> {
              if (v.isBlank()) {
                throw new IllegalArgumentException("--action must not be empty");
              }
              o.action = v;
            }
            case "--token" -> o.token = v;
            case "--error-rate" -> {
              o.errorRate = nonNegativeDouble(a, v);
              if (o.errorRate > 1) {
                throw new IllegalArgumentException("--error-rate must be in [0, 1], got " + v);
              }
            }
            case "--deadline-ms" -> o.deadlineMs = positiveLong(a, v, 3_600_000);
            default -> throw new IllegalArgumentException("unknown option '" + a + "' (see --help)");
          }
        }
      }
    }
    if (rateGiven && o.closedLoop) {
      throw new IllegalArgumentException("--streams-per-second and --closed-loop exclude each other");
    }
    if (!rateGiven) {
      o.closedLoop = true;
    }
    if (o.streams > 0 && !durationGiven) {
      o.durationSeconds = 0;
    }
    if (o.noStreamSpan && (o.shape == Shape.B || o.shape == Shape.D || o.shape == null)) {
      throw new IllegalArgumentException("--no-stream-span needs --shape A or C (B and D carry everything on the stream span)");
    }
    RoutingOptions.finish(o);
    return o;
  }

  /** Mean stream wall duration in seconds (TTFT + chunk intervals), for Little's law. */
  double meanStreamSeconds() {
    return (ttftMs + Math.max(0, chunksPerStream - 1) * chunkIntervalMs) / 1000.0;
  }

  /** Thrown by {@link #parse} for {@code --help}. */
  static final class HelpRequested extends RuntimeException {
    HelpRequested() {
      super("help", null, false, false);
    }
  }

  private static List<String> labels(String opt, String v, String prefix) {
    if (v.matches("\\d+")) {
      int n = (int) positiveLong(opt, v, 100_000);
      List<String> out = new ArrayList<>(n);
      for (int i = 0; i < n; i++) {
        out.add(prefix + i);
      }
      return List.copyOf(out);
    }
    List<String> out = Arrays.stream(v.split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList();
    if (out.isEmpty()) {
      throw new IllegalArgumentException(opt + " must be a count or a comma-separated list, got '" + v + "'");
    }
    return out;
  }

  private static long parseLong(String opt, String v) {
    try {
      return Long.parseLong(v.trim());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(opt + " must be an integer, got '" + v + "'");
    }
  }

  private static long nonNegativeLong(String opt, String v) {
    long n = parseLong(opt, v);
    if (n < 0) {
      throw new IllegalArgumentException(opt + " must be >= 0, got " + v);
    }
    return n;
  }

  private static long positiveLong(String opt, String v, long max) {
    long n = parseLong(opt, v);
    if (n <= 0 || n > max) {
      throw new IllegalArgumentException(opt + " must be in [1, " + max + "], got " + v);
    }
    return n;
  }

  private static double nonNegativeDouble(String opt, String v) {
    double d;
    try {
      d = Double.parseDouble(v.trim());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(opt + " must be a number, got '" + v + "'");
    }
    if (!Double.isFinite(d) || d < 0) {
      throw new IllegalArgumentException(opt + " must be a finite number >= 0, got " + v);
    }
    return d;
  }

  private static double positiveDouble(String opt, String v) {
    double d = nonNegativeDouble(opt, v);
    if (d == 0) {
      throw new IllegalArgumentException(opt + " must be > 0, got " + v);
    }
    return d;
  }
}
