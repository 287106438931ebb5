package dev.streamfold.window;

import dev.streamfold.config.TestConfig;
import dev.streamfold.config.WindowConfig;
import dev.streamfold.derive.Derivations;
import dev.streamfold.derive.EndReason;
import dev.streamfold.derive.InputShape;
import dev.streamfold.derive.StreamFacts;
import dev.streamfold.derive.StreamListener;
import dev.streamfold.derive.Summary;
import dev.streamfold.time.ManualClock;
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
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * Window hot paths, per chunk span: ingest of shape A chunk spans (10 streams x 10 chunks per
 * request, as an SDK batch packs them) with each stream's close and derivation amortized in, and
 * close+derive alone for a 100-chunk stream. Run with {@code bench/jmh.sh WindowBenchmark}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 2)
@Fork(1)
public class WindowBenchmark {
  static final int POOL = 256;
  static final int STREAMS = 10;
  static final int CHUNKS = 10;

  ExportTraceServiceRequest[] requests;
  ExportTraceServiceRequest[] streamSpans;
  WindowShard shard;
  ManualClock clock;
  int next;
  StreamFacts facts;

  @Setup
  public void setup() {
    BenchStreams in = BenchStreams.build(POOL, STREAMS, CHUNKS);
    requests = in.chunkRequests();
    streamSpans = in.streamRequests();
    WindowConfig cfg = TestConfig.window("finalize_grace=0"); // streams close as their stream span arrives
    clock = new ManualClock();
    shard = new WindowShard(0, WindowSettings.of(cfg, 1), new Recognizer(cfg.rules()), new dev.streamfold.testing.DiscardingDownstream(), dev.streamfold.telemetry.WindowMetrics.NOOP,
        StreamListener.NOOP, clock);
    long[] times = new long[100];
    long[] starts = new long[100];
    for (int i = 0; i < 100; i++) {
      starts[i] = 1_000_000L * (i * 20);
      times[i] = starts[i] + 15_000_000L;
    }
    facts = new StreamFacts(starts, times, 100, new long[0], 0, 0, -1, true, 0, 3_000_000_000L, Summary.NONE, 300, -1,
        InputShape.CHUNK_SPANS, EndReason.STREAM_END);
  }

  /** Per chunk span: ingest 100 chunk spans, then the 10 stream spans that close their streams. */
  @Benchmark
  @OperationsPerInvocation(STREAMS * CHUNKS)
  public void ingestAndCloseChunkSpans() {
    int i = next;
    next = (i + 1) % POOL;
    shard.onTraces(requests[i]);
    shard.onTraces(streamSpans[i]);
    if (next == 0) {
      clock.advance(Duration.ofMinutes(10)); // forget the recently-closed keys of the last round
      shard.tick();
    }
  }

  @Benchmark
  public void closeAndDerive100Chunks(Blackhole bh) {
    long[] s = facts.spanStarts().clone();
    long[] e = facts.spanEnds().clone();
    bh.consume(Derivations.derive(new StreamFacts(s, e, 100, facts.otherTimes(), 0, 0, -1, true, 0, facts.streamEnd(), Summary.NONE,
        300, -1, InputShape.CHUNK_SPANS, EndReason.STREAM_END)));
  }
}
