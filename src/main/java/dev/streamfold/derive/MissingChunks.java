package dev.streamfold.derive;

import java.util.Arrays;

/**
 * Chunks a stream lacks, inferred from what its producer states: the chunks' own indexes (Burr's
 * {@code {action}::chunk_{N}}, an index attribute) and a chunk count on the stream span. A chunk
 * is missing when its index lies between the stream's first index (0) and the highest index seen
 * or stated, and no chunk with that index arrived: chunks an instance never saw because a
 * scale-out moved their trace elsewhere, or that the producer's pipeline lost. Pure.
 *
 * @param count chunks missing (0 when none, or when nothing says how many there were)
 * @param first whether the stream's first chunk is among them (or may be: positions unknown),
 *     so that the first chunk seen is not the first chunk produced
 */
public record MissingChunks(long count, boolean first) {
  public static final MissingChunks NONE = new MissingChunks(0, false);

  /**
   * @param indexes chunk indexes from 0, -1 for a chunk without one; duplicates allowed (a chunk
   *     resent under a new id has its index once)
   * @param n number of valid entries in {@code indexes}; also the number of (de-duplicated)
   *     chunks the stream holds
   * @param stated the number of chunks the stream span says were sent, or -1
   * @param limit the most chunks a stream may hold ({@code window.max_chunks_per_stream}): indexes
   *     and counts beyond it are producer claims the window could not have kept anyway, so an
   *     absurd index or count does not report billions of missing chunks
   */
  public static MissingChunks of(int[] indexes, int n, long stated, int limit) {
    stated = Math.min(stated, limit);
    if (n == 0 || indexes == null) {
      // no positions (or nothing arrived here, e.g. a stream span whose chunks all went elsewhere):
      // only a stated count can tell, and not which chunks
      return stated > n ? new MissingChunks(stated - n, true) : NONE;
    }
    if (inOrderFromZero(indexes, n) && stated <= n) {
      return NONE; // the common case, without sorting
    }
    int[] known = new int[n];
    int k = 0;
    for (int i = 0; i < n; i++) {
      if (indexes[i] >= 0 && indexes[i] < limit) {
        known[k++] = indexes[i];
      }
    }
    if (k == 0) {
      // no positions: only a stated count can tell, and not which chunks
      return stated > n ? new MissingChunks(stated - n, true) : NONE;
    }
    Arrays.sort(known, 0, k);
    long distinct = 1;
    for (int i = 1; i < k; i++) {
      if (known[i] != known[i - 1]) {
        distinct++;
      }
    }
    long top = Math.max(known[k - 1], stated - 1);
    long missing = top + 1 - distinct;
    return missing > 0 ? new MissingChunks(missing, known[0] > 0) : NONE;
  }

  /**
   * These missing chunks less {@code lost} that are accounted for already (chunks dropped before or
   * inside streamfold: truncation), which may be among them.
   */
  public MissingChunks less(long lost) {
    if (lost <= 0 || count == 0) {
      return this;
    }
    return count > lost ? new MissingChunks(count - lost, first) : NONE;
  }

  private static boolean inOrderFromZero(int[] indexes, int n) {
    for (int i = 0; i < n; i++) {
      if (indexes[i] != i) {
        return false;
      }
    }
    return true;
  }
}
