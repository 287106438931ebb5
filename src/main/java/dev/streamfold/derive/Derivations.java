package dev.streamfold.derive;

import java.util.Arrays;

/**
 * The math of SPEC section 2: a pure function from a stream's facts to its figures. No clock,
 * no I/O, no shared state.
 */
public final class Derivations {
  private static final double NS_PER_MS = 1_000_000.0;

  private Derivations() {}

  /** Result of {@link #derive}: the figures and the chunk intervals (ms) for metrics. */
  public record Result(DerivedStream stream, double[] intervalsMs) {}

  public static Result derive(StreamFacts f) {
    Summary s = f.summary();
    // Burr end-of-iteration probe: k iterations announced and k + 1 chunk spans.
    int probe = -1;
    if (f.spanCount() > 0 && s.iterationCount() >= 0 && f.spanCount() == s.iterationCount() + 1) {
      probe = 0;
      for (int i = 1; i < f.spanCount(); i++) {
        if (f.spanEnds()[i] > f.spanEnds()[probe]) {
          probe = i;
        }
      }
    }
    int n = f.spanCount() - (probe >= 0 ? 1 : 0) + f.otherCount();
    long[] t = new long[n];
    int k = 0;
    // a chunk span's time is its end; a block's is its start, and the last block's end closes sampling
    long lastBlockEnd = Long.MIN_VALUE;
    for (int i = 0; i < f.spanCount(); i++) {
      if (i != probe) {
        t[k++] = f.blockChunks() ? f.spanStarts()[i] : f.spanEnds()[i];
        if (f.blockChunks()) {
          lastBlockEnd = Math.max(lastBlockEnd, f.spanEnds()[i]);
        }
      }
    }
    System.arraycopy(f.otherTimes(), 0, t, k, f.otherCount());
    Arrays.sort(t);

    boolean truncated = f.droppedChunks() > 0;
    // chunks that never arrived: their times are unknown, so figures over the chunk times are not
    // the stream's (as with truncation), and TTFT is not when the first chunk is among them
    MissingChunks missing = f.missing() == null ? MissingChunks.NONE : f.missing();
    boolean partial = truncated || missing.count() > 0;
    boolean hasChunks = n > 0;
    InputShape shape = f.shape();

    Long chunkCount;
    if (hasChunks || shape != InputShape.SUMMARY) {
      chunkCount = n + f.droppedChunks();
    } else {
      chunkCount = s.iterationCount() >= 0 ? s.iterationCount() : null;
    }

    // TTFT and duration need the stream span.
    Double ttft = null;
    Double duration = null;
    if (f.hasStreamSpan()) {
      duration = ms(f.streamEnd() - f.streamStart());
      if (hasChunks) {
        long first = t[0];
        if (f.markerTime() >= 0 && f.markerTime() < first) {
          first = f.markerTime();
        }
        ttft = missing.first() && (f.markerTime() < 0 || f.markerTime() >= t[0]) ? null : ms(first - f.streamStart());
      } else if (!Double.isNaN(s.ttftMs())) {
        // without chunks the producer's own measurement wins over a marker's timestamp: AI SDK 7
        // stamps ai.stream.firstChunk when the call ends, while msToFirstChunk is right
        ttft = s.ttftMs();
      } else if (f.markerTime() >= 0) {
        ttft = ms(f.markerTime() - f.streamStart());
      }
      if (!hasChunks && !Double.isNaN(s.durationMs())) {
        duration = s.durationMs();
      }
    }

    Double sampling = null;
    if (hasChunks) {
      if (!partial) {
        sampling = ms(Math.max(t[n - 1], lastBlockEnd) - t[0]);
      }
    } else if (f.hasStreamSpan()) {
      if (!Double.isNaN(s.samplingMs())) {
        sampling = s.samplingMs();
      } else if (ttft != null && duration != null && s.present()) {
        double setup = Double.isNaN(s.requestSetupMs()) ? 0 : s.requestSetupMs();
        sampling = Math.max(0, duration - ttft - setup);
      }
    }

    // Tokens: usage on the stream span, else per-chunk counts.
    TokenSource source;
    Long outputTokens;
    if (s.outputTokens() >= 0) {
      source = TokenSource.USAGE;
      outputTokens = s.outputTokens();
    } else if (f.deltaTokens() >= 0 || f.cumulativeTokens() >= 0) {
      source = TokenSource.CHUNK_ATTRIBUTES;
      outputTokens = Math.max(f.deltaTokens(), f.cumulativeTokens());
      if (f.deltaTokens() >= 0 && f.cumulativeTokens() >= 0) {
        // A producer that sends both: the cumulative count is the provider's own total.
        outputTokens = f.cumulativeTokens();
      }
    } else {
      source = TokenSource.NONE;
      outputTokens = null;
    }

    Double tokensPerSecond = null;
    Double tpot = null;
    Double chunksPerSecond = null;
    if (sampling != null && sampling > 0) {
      if (outputTokens != null) {
        tokensPerSecond = round2(outputTokens / (sampling / 1000.0));
      }
      if (hasChunks) {
        chunksPerSecond = round2(n / (sampling / 1000.0));
      }
    }
    if (sampling != null && outputTokens != null && outputTokens >= 2) {
      tpot = sampling / (outputTokens - 1);
    }

    Double iMin = null;
    Double iMax = null;
    Double iAvg = null;
    double[] intervals = new double[0];
    if (n >= 2 && !partial) {
      intervals = new double[n - 1];
      long min = Long.MAX_VALUE;
      long max = Long.MIN_VALUE;
      for (int i = 1; i < n; i++) {
        long d = t[i] - t[i - 1];
        intervals[i - 1] = ms(d);
        min = Math.min(min, d);
        max = Math.max(max, d);
      }
      iMin = ms(min);
      iMax = ms(max);
      iAvg = ms(t[n - 1] - t[0]) / (n - 1);
    }

    Double generation = null;
    Double consumer = null;
    if (f.spanCount() > 0) {
      long gen = 0;
      for (int i = 0; i < f.spanCount(); i++) {
        gen += Math.max(0, f.spanEnds()[i] - f.spanStarts()[i]);
      }
      generation = ms(gen);
      consumer = ms(consumerNanos(f.spanStarts(), f.spanEnds(), f.spanCount()));
    } else if (!hasChunks) {
      generation = Double.isNaN(s.generationMs()) ? null : s.generationMs();
      consumer = Double.isNaN(s.consumerMs()) ? null : s.consumerMs();
    }

    boolean complete = f.hasStreamSpan() && f.endReason() == EndReason.STREAM_END && missing.count() == 0;
    if (partial) {
      sampling = null;
      tokensPerSecond = null;
      tpot = null;
      chunksPerSecond = null;
    }
    DerivedStream d =
        new DerivedStream(
            chunkCount,
            ttft,
            duration,
            sampling,
            outputTokens,
            tokensPerSecond,
            tpot,
            chunksPerSecond,
            iMin,
            iMax,
            iAvg,
            generation,
            consumer,
            source,
            shape,
            complete,
            f.endReason(),
            truncated,
            s.inputTokens() >= 0 ? s.inputTokens() : null,
            s.cacheReadTokens() >= 0 ? s.cacheReadTokens() : null,
            s.reasoningTokens() >= 0 ? s.reasoningTokens() : null,
            missing.count() > 0 ? missing.count() : null);
    return new Result(d, intervals);
  }

  /** Chunk spans sorted by start; sum of max(0, next.start - prev.end) over consecutive pairs. */
  static long consumerNanos(long[] starts, long[] ends, int count) {
    boolean sorted = true;
    for (int i = 1; i < count && sorted; i++) {
      sorted = starts[i] >= starts[i - 1];
    }
    long sum = 0;
    if (sorted) { // the common case: chunk spans arrive in order
      for (int i = 1; i < count; i++) {
        sum += Math.max(0, starts[i] - ends[i - 1]);
      }
      return sum;
    }
    int[] order = new int[count];
    for (int i = 0; i < count; i++) {
      order[i] = i;
    }
    mergeSortByKey(order, new int[count], 0, count, starts);
    for (int i = 1; i < count; i++) {
      sum += Math.max(0, starts[order[i]] - ends[order[i - 1]]);
    }
    return sum;
  }

  /** Stable merge sort of indices by {@code key[index]}, without boxing. */
  private static void mergeSortByKey(int[] a, int[] tmp, int from, int to, long[] key) {
    if (to - from < 2) {
      return;
    }
    int mid = (from + to) >>> 1;
    mergeSortByKey(a, tmp, from, mid, key);
    mergeSortByKey(a, tmp, mid, to, key);
    if (key[a[mid - 1]] <= key[a[mid]]) {
      return;
    }
    int i = from;
    int j = mid;
    int k = from;
    while (i < mid && j < to) {
      tmp[k++] = key[a[j]] < key[a[i]] ? a[j++] : a[i++];
    }
    while (i < mid) {
      tmp[k++] = a[i++];
    }
    while (j < to) {
      tmp[k++] = a[j++];
    }
    System.arraycopy(tmp, from, a, from, to - from);
  }

  static double ms(long nanos) {
    return nanos / NS_PER_MS;
  }

  static double round2(double v) {
    return Math.round(v * 100.0) / 100.0;
  }
}
