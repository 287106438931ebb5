package dev.streamfold.window;

import com.google.protobuf.ByteString;
import dev.streamfold.config.WindowConfig;
import dev.streamfold.derive.StreamListener;
import dev.streamfold.telemetry.WindowMetrics;
import dev.streamfold.testing.DiscardingDownstream;
import dev.streamfold.testing.Otlp;
import dev.streamfold.time.Clock;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.trace.v1.Span;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
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
    chunkRequests = new ExportTraceServiceRequest[POOL];
    streamRequests = new ExportTraceServiceRequest[POOL];
    long idSeq = 1;
    for (int r = 0; r < POOL; r++) {
      List<Span> chunks = new ArrayList<>();
      List<Span> parents = new ArrayList<>();
      for (int s = 0; s < TRACES; s++) {
        ByteString trace = Otlp.trace(r * TRACES + s + 1);
        ByteString streamId = Otlp.id(idSeq++);
        for (int c = 0; c < CHUNKS; c++) {
          chunks.add(Otlp.span(trace, Otlp.id(idSeq++), streamId, "respond::chunk_" + c, c * 20, c * 20 + 15)
              .addAttributes(Otlp.kv("llm_stream.chunk.tokens", 3L)).build());
        }
        parents.add(Otlp.span(trace, streamId, null, "respond", 0, CHUNKS * 20 + 10)
            .addAttributes(Otlp.kv("gen_ai.request.model", "gpt-4o")).build());
      }
      chunkRequests[r] = Otlp.traces(chunks.toArray(new Span[0]));
      streamRequests[r] = Otlp.traces(parents.toArray(new Span[0]));
    }
    WindowConfig cfg = new WindowConfig();
    cfg.shards = shards;
    cfg.finalizeGrace = Duration.ZERO; // streams close as their stream span arrives
    cfg.recentlyClosed.ttl = Duration.ofSeconds(1);
    cfg.maxPendingItems = 1_000_000_000L;
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
