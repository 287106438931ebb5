package dev.streamfold.derive;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class MissingChunksTest {
  @Test
  void contiguousFromZeroMissesNothing() {
    assertThat(MissingChunks.of(new int[] {0, 1, 2}, 3, -1, Integer.MAX_VALUE)).isEqualTo(MissingChunks.NONE);
  }

  @Test
  void missingFirstChunks() {
    assertThat(MissingChunks.of(new int[] {3, 4}, 2, -1, Integer.MAX_VALUE)).isEqualTo(new MissingChunks(3, true));
  }

  @Test
  void aGapInTheMiddle() {
    assertThat(MissingChunks.of(new int[] {0, 1, 4, 5}, 4, -1, Integer.MAX_VALUE)).isEqualTo(new MissingChunks(2, false));
  }

  @Test
  void duplicateIndexesCountOnce() {
    assertThat(MissingChunks.of(new int[] {0, 1, 1, 2, 2}, 5, -1, Integer.MAX_VALUE)).isEqualTo(MissingChunks.NONE);
    assertThat(MissingChunks.of(new int[] {2, 2, 0}, 3, -1, Integer.MAX_VALUE)).isEqualTo(new MissingChunks(1, false));
  }

  @Test
  void outOfOrderIndexes() {
    assertThat(MissingChunks.of(new int[] {2, 0, 1}, 3, -1, Integer.MAX_VALUE)).isEqualTo(MissingChunks.NONE);
    assertThat(MissingChunks.of(new int[] {5, 2, 3}, 3, -1, Integer.MAX_VALUE)).isEqualTo(new MissingChunks(3, true));
  }

  @Test
  void onlyTheFirstNEntriesCount() {
    assertThat(MissingChunks.of(new int[] {0, 1, 9, 9}, 2, -1, Integer.MAX_VALUE)).isEqualTo(MissingChunks.NONE);
  }

  @Test
  void withoutIndexesNothingIsKnown() {
    assertThat(MissingChunks.of(null, 3, -1, Integer.MAX_VALUE)).isEqualTo(MissingChunks.NONE);
    assertThat(MissingChunks.of(new int[] {-1, -1}, 2, -1, Integer.MAX_VALUE)).isEqualTo(MissingChunks.NONE);
  }

  @Test
  void aStatedCountRevealsMissingLastChunks() {
    assertThat(MissingChunks.of(new int[] {0, 1}, 2, 4, Integer.MAX_VALUE)).isEqualTo(new MissingChunks(2, false));
    // without positions, which ones is unknown: the first may be among them
    assertThat(MissingChunks.of(null, 2, 4, Integer.MAX_VALUE)).isEqualTo(new MissingChunks(2, true));
    assertThat(MissingChunks.of(null, 4, 4, Integer.MAX_VALUE)).isEqualTo(MissingChunks.NONE);
  }

  @Test
  void anIndexBeyondTheStatedCountIsNotMissing() {
    // Burr: 3 items and the StopIteration probe chunk_3
    assertThat(MissingChunks.of(new int[] {0, 1, 2, 3}, 4, 3, Integer.MAX_VALUE)).isEqualTo(MissingChunks.NONE);
  }

  @Test
  void noChunksMissesWhatTheCountSays() {
    assertThat(MissingChunks.of(new int[0], 0, -1, Integer.MAX_VALUE)).isEqualTo(MissingChunks.NONE);
    assertThat(MissingChunks.of(null, 0, 0, Integer.MAX_VALUE)).isEqualTo(MissingChunks.NONE);
    assertThat(MissingChunks.of(new int[0], 0, 5, Integer.MAX_VALUE)).isEqualTo(new MissingChunks(5, true));
  }

  @Test
  void chunksAlreadyAccountedForAreNotMissing() {
    assertThat(new MissingChunks(3, true).less(1)).isEqualTo(new MissingChunks(2, true));
    assertThat(new MissingChunks(3, true).less(3)).isEqualTo(MissingChunks.NONE);
    assertThat(MissingChunks.NONE.less(5)).isEqualTo(MissingChunks.NONE);
  }

  @Test
  void indexesAndCountsBeyondTheLimitAreNotBelieved() {
    assertThat(MissingChunks.of(new int[] {0, 1, 2_000_000_000}, 3, -1, 10)).isEqualTo(MissingChunks.NONE);
    assertThat(MissingChunks.of(new int[] {0, 1}, 2, Long.MAX_VALUE, 10)).isEqualTo(new MissingChunks(8, false));
    assertThat(MissingChunks.of(null, 0, Long.MAX_VALUE, 10)).isEqualTo(new MissingChunks(10, true));
    assertThat(MissingChunks.of(new int[] {5, 2_000_000_000}, 2, -1, 10)).isEqualTo(new MissingChunks(5, true));
  }
}
