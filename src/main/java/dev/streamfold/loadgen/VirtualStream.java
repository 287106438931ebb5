package dev.streamfold.loadgen;

import com.google.protobuf.ByteString;

/**
 * One synthetic stream: its ids, its precomputed timeline (epoch nanos) and how far it has been
 * emitted. Owned by one worker thread; not thread-safe.
 *
 * <p>Timeline: {@code start < chunkTimes[0] <= ... <= chunkTimes[n-1] < end}, where
 * {@code chunkTimes[0] - start} is the TTFT. The whole timeline lies in the past of the moment
 * the stream was planned (it ends then), like telemetry an SDK exports after the fact.
 */
final class VirtualStream {
  final Shape shape;
  final int service;
  final int model;
  final ByteString traceId;
  final ByteString spanId;
  final long start;
  final long end;
  /** Chunk times; {@code null} for shape D. */
  final long[] chunkTimes;
  /** Number of chunks (shape D: what the summary describes). */
  final int chunks;
  final int inputTokens;
  final boolean error;
  /** Shape D only: output tokens of the summary. */
  final int summaryOutputTokens;
  /** Shape D only: time to first chunk the summary reports, in nanos. */
  final long summaryTtftNanos;

  /** Next chunk to emit; {@code chunks} means the stream span is next. */
  int next;
  /** Output tokens of the chunks emitted so far (the usage the stream span reports). */
  int outputTokens;

  VirtualStream(Shape shape, int service, int model, ByteString traceId, ByteString spanId, long start, long end,
      long[] chunkTimes, int chunks, int inputTokens, boolean error, int summaryOutputTokens, long summaryTtftNanos) {
    this.shape = shape;
    this.service = service;
    this.model = model;
    this.traceId = traceId;
    this.spanId = spanId;
    this.start = start;
    this.end = end;
    this.chunkTimes = chunkTimes;
    this.chunks = chunks;
    this.inputTokens = inputTokens;
    this.error = error;
    this.summaryOutputTokens = summaryOutputTokens;
    this.summaryTtftNanos = summaryTtftNanos;
  }

  /** Tokens in chunk {@code i}: 1..3, a fixed function of the stream and index so it needs no storage. */
  int chunkTokens(int i) {
    return 1 + (int) (((start >>> 3) + i * 0x9E3779B9L) >>> 7 & 0x7fffffff) % 3;
  }
}
