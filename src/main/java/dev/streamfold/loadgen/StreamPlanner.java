package dev.streamfold.loadgen;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnsafeByteOperations;
import java.util.SplittableRandom;

/**
 * Draws synthetic streams from the options: shape, labels, ids and a jittered timeline. Each
 * jittered quantity is uniform in {@code mean x [1 - jitter, 1 + jitter]}. Deterministic for a
 * given random; one per worker thread, not thread-safe.
 */
final class StreamPlanner {
  private static final Shape[] SHAPES = Shape.values();

  private final LoadGenOptions options;
  private final SplittableRandom random;

  StreamPlanner(LoadGenOptions options, SplittableRandom random) {
    this.options = options;
    this.random = random;
  }

  /** A new stream whose timeline ends at {@code nowEpochNanos}. */
  VirtualStream next(long nowEpochNanos) {
    Shape shape = options.shape != null ? options.shape : SHAPES[random.nextInt(SHAPES.length)];
    int service = random.nextInt(options.services.size());
    int model = random.nextInt(options.models.size());
    ByteString traceId = randomId(16);
    ByteString spanId = randomId(8);
    int n = Math.max(1, (int) Math.round(jitter(options.chunksPerStream)));
    long ttft = Math.max(1, (long) (jitter(options.ttftMs) * 1e6));
    long tail = 1_000_000 + (long) (options.chunkIntervalMs * 1e5);
    int inputTokens = 50 + random.nextInt(2000);
    boolean error = options.errorRate > 0 && random.nextDouble() < options.errorRate;
    if (shape == Shape.D) {
      long sampling = 0;
      for (int i = 1; i < n; i++) {
        sampling += (long) (jitter(options.chunkIntervalMs) * 1e6);
      }
      long end = nowEpochNanos;
      long start = end - ttft - sampling - tail;
      int outputTokens = n * 2;
      return new VirtualStream(shape, service, model, traceId, spanId, start, end, null, n, inputTokens, error, outputTokens, ttft);
    }
    long[] times = new long[n];
    long t = ttft;
    times[0] = t;
    for (int i = 1; i < n; i++) {
      t += (long) (jitter(options.chunkIntervalMs) * 1e6);
      times[i] = t;
    }
    long total = t + tail;
    long start = nowEpochNanos - total;
    for (int i = 0; i < n; i++) {
      times[i] += start;
    }
    return new VirtualStream(shape, service, model, traceId, spanId, start, nowEpochNanos, times, n, inputTokens, error, 0, 0);
  }

  /** Steps (emit calls) a stream of this shape with {@code n} chunks takes; see {@link StreamEmitter}. */
  static double meanSteps(LoadGenOptions o) {
    double chunkShape = o.chunksPerStream + (o.noStreamSpan ? 0 : 1);
    if (o.shape == null) {
      return (chunkShape * 2 + 2) / 4.0;
    }
    return switch (o.shape) {
      case A, C -> chunkShape;
      case B, D -> 1;
    };
  }

  private double jitter(double mean) {
    double j = options.jitter;
    if (j == 0) {
      return mean;
    }
    return mean * (1 - j + 2 * j * random.nextDouble());
  }

  private ByteString randomId(int len) {
    byte[] b = new byte[len];
    for (int off = 0; off < len; off += 8) {
      fill(random, b, off);
    }
    return UnsafeByteOperations.unsafeWrap(b);
  }

  /** A fresh random non-zero 8-byte span id. */
  static byte[] spanId(SplittableRandom random) {
    byte[] b = new byte[8];
    fill(random, b, 0);
    return b;
  }

  private static void fill(SplittableRandom random, byte[] b, int off) {
    long v;
    do {
      v = random.nextLong();
    } while (v == 0);
    for (int k = 0; k < 8; k++) {
      b[off + k] = (byte) (v >>> (8 * k));
    }
  }
}
