package dev.streamfold.window;

/**
 * The open streams of a shard, keyed by (trace id, stream id): open addressing with linear
 * probing and the keys stored inline in a {@code long[]}, so a lookup reads one array region
 * instead of chasing map-entry and key objects (the chunk path does one lookup per chunk).
 * Load factor at most 1/2; deletion by backward shift (no tombstones). Stream id 0 is never a
 * key (it is not a valid span id) and marks an empty slot. Single-threaded.
 */
final class StreamTable {
  private long[] keys; // 3 longs per slot: trace hi, trace lo, stream id
  private StreamState[] values;
  private int mask;
  private int size;

  StreamTable() {
    allocate(64);
  }

  int size() {
    return size;
  }

  StreamState get(long hi, long lo, long sid) {
    for (int i = slot(hi, lo, sid); ; i = (i + 1) & mask) {
      long k = keys[3 * i + 2];
      if (k == 0) {
        return null;
      }
      if (k == sid && keys[3 * i + 1] == lo && keys[3 * i] == hi) {
        return values[i];
      }
    }
  }

  /** Adds a stream whose key is not in the table. */
  void put(StreamState st) {
    if (2 * (size + 1) > values.length) {
      grow();
    }
    insert(st);
    size++;
  }

  void remove(long hi, long lo, long sid) {
    int i = slot(hi, lo, sid);
    while (true) {
      long k = keys[3 * i + 2];
      if (k == 0) {
        return;
      }
      if (k == sid && keys[3 * i + 1] == lo && keys[3 * i] == hi) {
        break;
      }
      i = (i + 1) & mask;
    }
    // backward shift: move later entries of the probe run into the hole where allowed
    int hole = i;
    int j = i;
    while (true) {
      j = (j + 1) & mask;
      if (keys[3 * j + 2] == 0) {
        break;
      }
      int home = slot(keys[3 * j], keys[3 * j + 1], keys[3 * j + 2]);
      boolean stays = hole <= j ? (hole < home && home <= j) : (hole < home || home <= j);
      if (stays) {
        continue;
      }
      keys[3 * hole] = keys[3 * j];
      keys[3 * hole + 1] = keys[3 * j + 1];
      keys[3 * hole + 2] = keys[3 * j + 2];
      values[hole] = values[j];
      hole = j;
    }
    keys[3 * hole] = 0;
    keys[3 * hole + 1] = 0;
    keys[3 * hole + 2] = 0;
    values[hole] = null;
    size--;
  }

  private void insert(StreamState st) {
    StreamKey k = st.key;
    int i = slot(k.traceHi, k.traceLo, k.streamId);
    while (keys[3 * i + 2] != 0) {
      i = (i + 1) & mask;
    }
    keys[3 * i] = k.traceHi;
    keys[3 * i + 1] = k.traceLo;
    keys[3 * i + 2] = k.streamId;
    values[i] = st;
  }

  private void grow() {
    StreamState[] old = values;
    allocate(old.length * 2);
    for (StreamState st : old) {
      if (st != null) {
        insert(st);
      }
    }
  }

  private void allocate(int capacity) {
    keys = new long[3 * capacity];
    values = new StreamState[capacity];
    mask = capacity - 1;
  }

  private int slot(long hi, long lo, long sid) {
    return (int) Ids.mix(lo ^ sid * 0x9E3779B97F4A7C15L ^ hi * 0xC2B2AE3D27D4EB4FL) & mask;
  }
}
