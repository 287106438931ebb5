package dev.streamfold.window;

/**
 * An intrusive doubly linked list of streams over one of the link slots of {@link StreamState}.
 * O(1) append, remove and move-to-tail; the head is the oldest entry. Single-threaded.
 */
final class StreamList {
  private final int slot;
  private final int bit;
  private StreamState head;
  private StreamState tail;

  StreamList(int slot) {
    this.slot = slot;
    this.bit = 1 << slot;
  }

  StreamState head() {
    return head;
  }

  boolean contains(StreamState s) {
    return (s.linkedMask & bit) != 0;
  }

  void append(StreamState s) {
    if (contains(s)) {
      return;
    }
    s.prev[slot] = tail;
    s.next[slot] = null;
    if (tail == null) {
      head = s;
    } else {
      tail.next[slot] = s;
    }
    tail = s;
    s.linkedMask |= bit;
  }

  void remove(StreamState s) {
    if (!contains(s)) {
      return;
    }
    StreamState p = s.prev[slot];
    StreamState nx = s.next[slot];
    if (p == null) {
      head = nx;
    } else {
      p.next[slot] = nx;
    }
    if (nx == null) {
      tail = p;
    } else {
      nx.prev[slot] = p;
    }
    s.prev[slot] = null;
    s.next[slot] = null;
    s.linkedMask &= ~bit;
  }

  void moveToTail(StreamState s) {
    if (tail == s) {
      return;
    }
    remove(s);
    append(s);
  }
}
