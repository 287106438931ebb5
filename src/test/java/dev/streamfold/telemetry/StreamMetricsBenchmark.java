package dev.streamfold.telemetry;

import dev.streamfold.config.TestConfig;
import dev.streamfold.derive.ClosedStream;
import dev.streamfold.derive.StreamListener;
import dev.streamfold.derive.TokenSource;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The stream instruments as the window records them when a stream closes, per closed stream:
 * {@code Telemetry} as the service builds it by default (Prometheus only, JVM metrics off), a
 * pool of closed streams over 8 label sets with {@code chunks} chunk intervals each (all of them
 * recorded into the time-per-chunk histogram), TTFT, duration, token usage and tokens/s. Run with
 * {@code bench/jmh.sh StreamMetricsBenchmark} or same-run against another build with
 * {@code bench/ab-jvm.sh REF -- dev.streamfold.telemetry.StreamMetricsBenchmark closeStreams 64 40 500 chunks=10,100}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 3)
@Measurement(iterations = 3, time = 3)
@Fork(1)
public class StreamMetricsBenchmark {
  /** Closed streams per benchmark call (the ops per call of {@code bench/ab-jvm.sh}). */
  public static final int POOL = 64;
  static final int LABEL_SETS = 8;

  @Param({"10", "100"})
  public int chunks;

  StreamListener listener;
  ClosedStream[] pool;

  @Setup
  public void setup() {
    Telemetry t = Telemetry.builder(TestConfig.telemetry("prometheus.endpoint=127.0.0.1:0", "jvm_metrics=false")).build();
    listener = t.streamListener();
    pool = new ClosedStream[POOL];
    for (int i = 0; i < POOL; i++) {
      double[] intervals = new double[chunks];
      for (int c = 0; c < chunks; c++) {
        intervals[c] = 5 + (i * 7 + c * 13) % 60; // 5-64 ms, spread over the buckets
      }
      pool[i] = Streams.stream()
          .model("model-" + i % LABEL_SETS)
          .ttft(100.0 + i)
          .duration(100.0 + i + chunks * 30.0)
          .tokens(TokenSource.USAGE, 20L + i, (long) chunks)
          .tokensPerSecond(30.0 + i % 10)
          .intervals(intervals)
          .build();
    }
  }

  /** Records {@link #POOL} closed streams. */
  @Benchmark
  public void closeStreams() {
    for (ClosedStream s : pool) {
      listener.onStreamClosed(s);
    }
  }
}
