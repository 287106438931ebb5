package dev.streamfold.window;

import dev.streamfold.config.TestConfig;
import dev.streamfold.config.WindowConfig;
import dev.streamfold.derive.StreamListener;
import dev.streamfold.otlp.OtlpSignal;
import dev.streamfold.telemetry.WindowMetrics;
import dev.streamfold.testing.DiscardingDownstream;
import dev.streamfold.time.ManualClock;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.trace.v1.Span;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The window's CPU work per chunk span summed over all shards, on one thread (no scheduling
 * noise): requests of 10 traces x 10 chunk spans, then their stream spans, routed by trace id
 * ({@link ShardRouter}) and handled by the owning shard. With routing before the hand-off the
 * work should not grow with the shard count. Run with
 * {@code bench/jmh.sh ShardedWindowBenchmark}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 2)
@Fork(1)
public class ShardedWindowBenchmark {
  static final int POOL = 256;
  static final int TRACES = 10;
  static final int CHUNKS = 10;

  @Param({"1", "2", "4"})
  public int shards;

  /**
   * Traces (streams) per request: 10 (a gateway batching many producers) or 1 (a sidecar next to
   * one producer: every request belongs to one shard).
   */
  @Param({"10", "1"})
  public int tracesPerRequest = TRACES;

  ExportTraceServiceRequest[] chunkRequests;
  ExportTraceServiceRequest[] streamRequests;
  ShardRouter router;
  WindowShard[] shard;
  ManualClock clock;
  int next;

  @Setup
  public void setup() {
    BenchStreams in = BenchStreams.build(POOL * (TRACES / tracesPerRequest), tracesPerRequest, CHUNKS);
    chunkRequests = in.chunkRequests();
    streamRequests = in.streamRequests();
    WindowConfig cfg = TestConfig.window("finalize_grace=0"); // streams close as their stream span arrives
    clock = new ManualClock();
    router = new ShardRouter(shards);
    shard = new WindowShard[shards];
    for (int i = 0; i < shards; i++) {
      shard[i] = new WindowShard(i, WindowSettings.of(cfg, shards, i), new Recognizer(cfg.rules()), new DiscardingDownstream(),
          WindowMetrics.NOOP, StreamListener.NOOP, clock);
    }
  }

  /**
   * Per chunk span: 100 chunk spans of 10 traces, then the 10 stream spans that close their
   * streams (in one request pair, or in 10 pairs of one trace each).
   */
  @Benchmark
  @OperationsPerInvocation(TRACES * CHUNKS)
  public void routeIngestAndClose() {
    for (int pair = 0; pair < TRACES / tracesPerRequest; pair++) {
      handle(chunkRequests[next]);
      handle(streamRequests[next]);
      next = (next + 1) % chunkRequests.length;
    }
    if (next == 0) {
      clock.advance(Duration.ofMinutes(10)); // forget the recently-closed keys of the last round
      for (WindowShard s : shard) {
        s.tick();
      }
    }
  }

  private void handle(ExportTraceServiceRequest req) {
    for (ShardRouter.Part<ExportTraceServiceRequest> p : router.split(OtlpSignal.TRACES, req, Span::getTraceId).parts()) {
      shard[p.shard()].onTraces(p.request(), p.owners());
    }
  }

  /**
   * CPU time per chunk span on this thread (ThreadMXBean), robust to a loaded machine where
   * wall-clock throughput is not:
   * {@code java -cp ... dev.streamfold.window.ShardedWindowBenchmark [warm] [iters] [tracesPerRequest] [passes]}.
   */
  public static void main(String[] args) {
    java.lang.management.ThreadMXBean mx = java.lang.management.ManagementFactory.getThreadMXBean();
    int warm = args.length > 0 ? Integer.parseInt(args[0]) : 5_000;
    int iters = args.length > 1 ? Integer.parseInt(args[1]) : 10_000;
    int tracesPerRequest = args.length > 2 ? Integer.parseInt(args[2]) : TRACES;
    int passes = args.length > 3 ? Integer.parseInt(args[3]) : 2;
    int[] counts = {1, 2, 4};
    ShardedWindowBenchmark[] benches = new ShardedWindowBenchmark[counts.length];
    for (int k = 0; k < counts.length; k++) {
      benches[k] = new ShardedWindowBenchmark();
      benches[k].shards = counts[k];
      benches[k].tracesPerRequest = tracesPerRequest;
      benches[k].setup();
      for (int i = 0; i < warm; i++) {
        benches[k].routeIngestAndClose();
      }
    }
    // measured after every configuration is warm, interleaved
    for (int pass = 0; pass < passes; pass++) {
      for (int k = 0; k < counts.length; k++) {
        long t0 = mx.getCurrentThreadCpuTime();
        for (int i = 0; i < iters; i++) {
          benches[k].routeIngestAndClose();
        }
        long cpu = mx.getCurrentThreadCpuTime() - t0;
        System.out.printf("traces_per_request=%d shards=%d cpu_ns_per_chunk_span=%.1f%n", tracesPerRequest, counts[k], cpu / (double) ((long) iters * TRACES * CHUNKS));
      }
    }
  }
}
