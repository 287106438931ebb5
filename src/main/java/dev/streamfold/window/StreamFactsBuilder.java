package dev.streamfold.window;

import dev.streamfold.derive.EndReason;
import dev.streamfold.derive.InputShape;
import dev.streamfold.derive.MissingChunks;
import dev.streamfold.derive.StreamFacts;
import dev.streamfold.derive.Summary;
import io.opentelemetry.proto.trace.v1.Span;
import java.util.Arrays;
import java.util.HashSet;

/** Turns an open stream's recorded chunks into de-duplicated {@link StreamFacts}. Stateless. */
final class StreamFactsBuilder {
  private StreamFactsBuilder() {}

  /**
   * The facts of a closing stream, and how many chunk spans and chunk log records were kept after
   * de-duplication (the rest are duplicates, counted by the caller).
   */
  record Built(StreamFacts facts, int chunkSpans, int chunkLogs) {}

  /**
   * @param statedChunks the number of chunks the stream span says were sent, or -1
   * @param maxChunks {@code window.max_chunks_per_stream}: no more chunks can be missing than that
   */
  static Built build(StreamState st, EndReason reason, long statedChunks, int maxChunks) {
    int n = st.n;
    boolean[] dup = duplicates(st);
    int spanCount = 0;
    int otherCount = 0;
    int logs = 0;
    long[] sStarts = new long[n];
    long[] sEnds = new long[n];
    long[] other = new long[n];
    long deltaSum = -1;
    boolean blocks = false;
    // kept chunks' indexes: the stream's own array when nothing was a duplicate
    int[] indexes = st.indexes == null || dup == null ? st.indexes : new int[n];
    int kept = 0;
    for (int i = 0; i < n; i++) {
      if (dup != null && dup[i]) {
        continue;
      }
      if (StreamState.isSpan(st.kinds[i])) {
        blocks |= st.kinds[i] == StreamState.KIND_BLOCK;
        sStarts[spanCount] = st.starts[i];
        sEnds[spanCount++] = st.times[i];
      } else {
        other[otherCount++] = st.times[i];
        if (st.kinds[i] == StreamState.KIND_LOG) {
          logs++;
        }
      }
      if (indexes != null && indexes != st.indexes) {
        indexes[kept] = st.indexes[i];
      }
      kept++;
      if (st.deltas != null && st.deltas[i] >= 0) {
        deltaSum = Math.max(0, deltaSum) + st.deltas[i];
      }
    }
    Span ss = st.streamSpan;
    Summary summary = ss == null ? Summary.NONE : Summary.of(ss);
    InputShape shape = switch (st.firstKind) {
      case StreamState.KIND_SPAN, StreamState.KIND_BLOCK -> InputShape.CHUNK_SPANS;
      case StreamState.KIND_EVENT -> InputShape.CHUNK_EVENTS;
      case StreamState.KIND_LOG -> InputShape.CHUNK_LOGS;
      default -> InputShape.SUMMARY;
    };
    StreamFacts facts = new StreamFacts(
        sStarts,
        sEnds,
        spanCount,
        other,
        otherCount,
        st.dropped,
        st.markerTime,
        ss != null,
        ss == null ? 0 : ss.getStartTimeUnixNano(),
        ss == null ? 0 : ss.getEndTimeUnixNano(),
        summary,
        deltaSum,
        st.maxCumulative,
        shape,
        reason,
        blocks,
        // chunks over max_chunks_per_stream or dropped by the producer are truncation, not missing
        // a producer summary without chunks is complete as it is (Burr SINGLE_SPAN states a count too)
        MissingChunks.of(indexes, kept, kept == 0 && summary.present() ? -1 : statedChunks, maxChunks)
            .less(st.dropped));
    return new Built(facts, spanCount, logs);
  }

  /**
   * Marks duplicates: shape A by chunk span id, shape C by (event name, time); shape B ids are
   * unique. Returns null when there are none (the common case, found with one sort).
   */
  private static boolean[] duplicates(StreamState st) {
    int n = st.n;
    if (n < 2) {
      return null;
    }
    long[] h = new long[n];
    for (int i = 0; i < n; i++) {
      h[i] = dedupeHash(st, i);
    }
    long[] sorted = h.clone();
    Arrays.sort(sorted);
    boolean any = false;
    for (int i = 1; i < n; i++) {
      if (sorted[i] == sorted[i - 1]) {
        any = true;
        break;
      }
    }
    if (!any) {
      return null;
    }
    boolean[] dup = new boolean[n];
    HashSet<Long> seen = new HashSet<>(n * 2);
    for (int i = 0; i < n; i++) {
      if (!seen.add(h[i])) {
        dup[i] = true;
      }
    }
    return dup;
  }

  private static long dedupeHash(StreamState st, int i) {
    return switch (st.kinds[i]) {
      case StreamState.KIND_SPAN, StreamState.KIND_BLOCK -> st.ids[i];
      case StreamState.KIND_LOG -> Ids.mix(st.ids[i] ^ Ids.mix(st.times[i]));
      default -> Ids.mix(st.ids[i] * 31 + 7);
    };
  }
}
