package dev.streamfold.window;

import dev.streamfold.config.TestConfig;
import dev.streamfold.config.WindowConfig;
import dev.streamfold.derive.StreamListener;
import dev.streamfold.telemetry.WindowMetrics;
import dev.streamfold.testing.DiscardingDownstream;
import dev.streamfold.time.Clock;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
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
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The whole window stage at 1, 2 and 4 shards, per chunk span: requests of 10 traces x 10 chunk
 * spans (as an SDK batch mixes traces), then their stream spans, handed to {@link StreamWindow}
 * through its public ingress and processed by the shard threads (each invocation waits for them
 * with {@code sync}). Shows what the window's work does as shards are added. Run with
 * {@code bench/jmh.sh StreamWindowBenchmark}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 3)
@Measurement(iterations = 3, time = 3)
@Fork(1)
public class StreamWindowBenchmark {
  static final int POOL = 256;
  static final int TRACES = 10;
  static final int CHUNKS = 10;
  static final int BATCH = 8;

  @Param({"1", "2", "4"})
  public int shards;

  ExportTraceServiceRequest[] chunkRequests;
  ExportTraceServiceRequest[] streamRequests;
  StreamWindow window;
  int next;

  @Setup
  public void setup() {
    BenchStreams in = BenchStreams.build(POOL, TRACES, CHUNKS);
    chunkRequests = in.chunkRequests();
    streamRequests = in.streamRequests();
    // streams close as their stream span arrives
    WindowConfig cfg = TestConfig.window("shards=" + shards, "finalize_grace=0", "recently_closed.ttl=1s", "max_pending_items=1000000000");
    window = new StreamWindow(cfg, new DiscardingDownstream(), dev.streamfold.pipeline.Admission.ALWAYS, WindowMetrics.NOOP, StreamListener.NOOP, Clock.SYSTEM, observer(cfg));
    window.start();
  }

  /** What observes the window (subclasses measure an observer's cost against this NOOP). */
  protected WindowObserver observer(WindowConfig cfg) {
    return WindowObserver.NOOP;
  }

  @TearDown
  public void tearDown() {
    window.shutdown(Duration.ofSeconds(5));
  }

  /** Per chunk span: BATCH requests of chunk spans and their stream spans, processed by every shard. */
  @Benchmark
  @OperationsPerInvocation(BATCH * TRACES * CHUNKS)
  public void ingestAndClose() throws InterruptedException {
    for (int b = 0; b < BATCH; b++) {
      int i = next;
      next = (i + 1) % POOL;
      window.traces(chunkRequests[i]);
      window.traces(streamRequests[i]);
    }
    window.sync(Duration.ofSeconds(30));
  }
}
