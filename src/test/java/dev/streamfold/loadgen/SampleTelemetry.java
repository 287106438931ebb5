package dev.streamfold.loadgen;

import io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import java.util.SplittableRandom;

/**
 * Ready-made OTLP requests with the load generator's synthetic streams, for benchmarks and tests
 * of other stages (receiver decode, window ingest): deterministic for a seed, timestamps ending
 * at the call's wall-clock time. Every stream is complete (its chunks and its stream span).
 * Stateless; thread-safe.
 */
public final class SampleTelemetry {
  private SampleTelemetry() {}

  /**
   * The spans of {@code streams} streams of one shape in one request: shape {@code A} chunk
   * spans + stream spans (in emission order), {@code B} stream spans with chunk events,
   * {@code C} the stream spans only (see {@link #chunkLogs}), {@code D} summary spans.
   *
   * @param shape {@code A}..{@code D} or the {@code llm_stream.input_shape} name
   */
  public static ExportTraceServiceRequest traces(String shape, int streams, int chunksPerStream, long seed) {
    Gen g = new Gen(shape, chunksPerStream, seed);
    for (int i = 0; i < streams; i++) {
      VirtualStream s = g.planner.next(LoadWorker.wallNanos());
      switch (s.shape) {
        case A -> {
          for (int c = 0; c < s.chunks; c++) {
            s.outputTokens += s.chunkTokens(c);
            g.spans.add(s.service, s.shape, g.items.chunkSpan(s, c, g.spanId()), 0);
          }
          g.spans.add(s.service, s.shape, g.items.streamSpan(s, LoadWorker.wallNanos()), 0);
        }
        case B, C -> {
          for (int c = 0; c < s.chunks && s.shape == Shape.C; c++) {
            s.outputTokens += s.chunkTokens(c);
          }
          g.spans.add(s.service, s.shape, g.items.streamSpan(s, LoadWorker.wallNanos()), 0);
        }
        case D -> g.spans.add(s.service, s.shape, g.items.summarySpan(s, LoadWorker.wallNanos()), 0);
        default -> throw new IllegalStateException();
      }
    }
    return g.spans.build(new long[1][]);
  }

  /** The shape C chunk log records of {@code streams} streams in one request (the same streams as {@link #traces} with shape C and the same seed). */
  public static ExportLogsServiceRequest chunkLogs(int streams, int chunksPerStream, long seed) {
    Gen g = new Gen("C", chunksPerStream, seed);
    for (int i = 0; i < streams; i++) {
      VirtualStream s = g.planner.next(LoadWorker.wallNanos());
      for (int c = 0; c < s.chunks; c++) {
        g.logs.add(s.service, s.shape, g.items.chunkLog(s, c), 0);
      }
    }
    return g.logs.build(new long[1][]);
  }

  private static final class Gen {
    final LoadGenOptions options;
    final SplittableRandom random;
    final StreamPlanner planner;
    final OtlpItems items;
    final RequestBatch.Spans spans;
    final RequestBatch.Logs logs;

    Gen(String shape, int chunksPerStream, long seed) {
      Shape sh = Shape.parse(shape);
      if (sh == null) {
        throw new IllegalArgumentException("shape must be A, B, C or D, got '" + shape + "'");
      }
      options = LoadGenOptions.parse("--shape", sh.name(), "--chunks-per-stream", Integer.toString(chunksPerStream),
          "--jitter", "0", "--chunk-tokens", "--seed", Long.toString(seed));
      random = new SplittableRandom(seed);
      planner = new StreamPlanner(options, random.split());
      items = new OtlpItems(options);
      spans = new RequestBatch.Spans(items, options.services.size());
      logs = new RequestBatch.Logs(items, options.services.size());
    }

    byte[] spanId() {
      return StreamPlanner.spanId(random);
    }
  }
}
