package dev.streamfold.window;

import io.opentelemetry.proto.common.v1.InstrumentationScope;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.Span;
import java.util.Arrays;

/**
 * One open stream: compact facts only (primitive arrays of chunk times, ids and token counts),
 * never whole chunk spans. Owned by exactly one shard thread; not thread-safe.
 */
final class StreamState {
  static final byte KIND_SPAN = 0;
  static final byte KIND_EVENT = 1;
  static final byte KIND_LOG = 2;
  /** A shape A chunk span that covers a whole block ({@code chunk_time: block}): its time is its start. */
  static final byte KIND_BLOCK = 3;

  /** Estimated fixed heap cost of a stream: this object, its key, map entries, link arrays. */
  static final int BASE_BYTES = 320;

  final StreamKey key;
  final long createdAt;
  long lastArrival;
  long graceDeadline = Long.MAX_VALUE;

  // chunk facts, parallel arrays of length >= n
  int n;
  long[] times = EMPTY_LONGS;
  /** Shape A: chunk span id; shape C: hash of the event name; shape B: a sequence number. */
  long[] ids = EMPTY_LONGS;
  /** Shape A start times (0 for other kinds); allocated on the first shape A chunk. Shape A times are span ends. */
  long[] starts;
  byte[] kinds = EMPTY_BYTES;
  /** Per-chunk token deltas (-1 = none); allocated on the first chunk that has one. */
  int[] deltas;
  /** Per-chunk index from 0 (-1 = none); allocated on the first chunk that has one. */
  int[] indexes;
  long maxCumulative = -1;
  long dropped;
  /** Units held per kind, for buffered/condensed accounting. */
  int spanUnits;
  int eventUnits;
  int logUnits;
  long markerTime = -1;
  byte firstKind = -1;

  // the stream span, once seen
  Span streamSpan;
  Resource streamResource;
  InstrumentationScope streamScope;
  int streamSpanBytes;

  /** Resource of the first chunk (for the synthetic span and labels). */
  Resource firstResource;
  /** Attributes of the first chunk, kept only when it names a model/provider (labels without a stream span). */
  Span firstChunkLabels;

  // intrusive doubly linked lists: 0 = LRU (last activity), 1 = creation order, 2 = grace deadline order
  final StreamState[] prev = new StreamState[3];
  final StreamState[] next = new StreamState[3];
  /** Bit i set while linked in list i. */
  int linkedMask;
  /** Next open stream of the same trace (re-parenting index). */
  StreamState traceNext;

  private static final long[] EMPTY_LONGS = new long[0];
  private static final byte[] EMPTY_BYTES = new byte[0];

  StreamState(StreamKey key, long now) {
    this.key = key;
    this.createdAt = now;
    this.lastArrival = now;
  }

  /** Raises the cumulative output token count to {@code cumulative} (-1: none). */
  void cumulative(long cumulative) {
    if (cumulative > maxCumulative) {
      maxCumulative = cumulative;
    }
  }

  /**
   * Appends a chunk. Returns the number of bytes the arrays grew by.
   *
   * @param start shape A span start, ignored for other kinds
   * @param delta token delta or -1
   */
  long add(byte kind, long time, long start, long id, int delta) {
    return add(kind, time, start, id, delta, -1);
  }

  /**
   * Appends a chunk with its index in the stream (from 0; -1 when unknown). Returns the number of
   * bytes the arrays grew by.
   */
  long add(byte kind, long time, long start, long id, int delta, int index) {
    long grown = 0;
    if (n == times.length) {
      int cap = Math.max(16, n + (n >> 1));
      grown += (long) (cap - n) * (8 + 8 + 1);
      times = Arrays.copyOf(times, cap);
      ids = Arrays.copyOf(ids, cap);
      kinds = Arrays.copyOf(kinds, cap);
      if (starts != null) {
        starts = Arrays.copyOf(starts, cap);
        grown += (long) (cap - n) * 8;
      }
      if (deltas != null) {
        deltas = Arrays.copyOf(deltas, cap);
        grown += (long) (cap - n) * 4;
      }
      if (indexes != null) {
        indexes = Arrays.copyOf(indexes, cap);
        grown += (long) (cap - n) * 4;
      }
    }
    if (isSpan(kind) && starts == null) {
      starts = new long[times.length];
      grown += 8L * times.length;
    }
    if (delta >= 0 && deltas == null) {
      deltas = new int[times.length];
      Arrays.fill(deltas, 0, n, -1);
      grown += 4L * times.length;
    }
    if (index >= 0 && indexes == null) {
      indexes = new int[times.length];
      Arrays.fill(indexes, 0, n, -1);
      grown += 4L * times.length;
    }
    times[n] = time;
    ids[n] = id;
    kinds[n] = kind;
    if (starts != null) {
      starts[n] = isSpan(kind) ? start : 0;
    }
    if (deltas != null) {
      deltas[n] = delta;
    }
    if (indexes != null) {
      indexes[n] = index;
    }
    if (firstKind < 0) {
      firstKind = kind;
    }
    n++;
    return grown;
  }

  /** Shape A: a chunk span (end or block). */
  static boolean isSpan(byte kind) {
    return kind == KIND_SPAN || kind == KIND_BLOCK;
  }

  /** Whether a shape A chunk with this span id is held (re-parenting). Linear scan. */
  boolean hasChunkSpan(long spanId) {
    if (starts == null) {
      return false;
    }
    for (int i = 0; i < n; i++) {
      if (ids[i] == spanId && isSpan(kinds[i])) {
        return true;
      }
    }
    return false;
  }

  /** Current estimate of this stream's heap footprint. */
  long bytes() {
    long b = BASE_BYTES + 17L * times.length + streamSpanBytes;
    if (starts != null) {
      b += 8L * starts.length;
    }
    if (deltas != null) {
      b += 4L * deltas.length;
    }
    if (indexes != null) {
      b += 4L * indexes.length;
    }
    return b;
  }
}
