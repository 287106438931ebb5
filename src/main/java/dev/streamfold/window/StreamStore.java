package dev.streamfold.window;

import dev.streamfold.derive.DerivedStream;
import dev.streamfold.derive.EndReason;
import io.opentelemetry.proto.resource.v1.Resource;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;

/**
 * A shard's streams: the open-stream table, the trace index (open streams per trace, for
 * re-parenting), the LRU / creation-age / grace-deadline lists, the estimated heap, and the set
 * of recently closed keys. It creates, finds, touches and unlinks streams; deciding when a stream
 * closes is {@link Lifecycle}'s. Owned by one shard thread; not thread-safe.
 */
final class StreamStore {
  private final StreamTable open = new StreamTable();
  private final HashMap<Long, StreamState> byTrace = new HashMap<>();
  private final StreamList lru = new StreamList(0);
  private final StreamList age = new StreamList(1);
  private final StreamList grace = new StreamList(2);
  private final LinkedHashMap<StreamKey, Closed> recent = new LinkedHashMap<>();
  private final StreamKey probe = new StreamKey();
  private final long recentMaxKeys;
  private final long recentTtlNanos;
  /** The last stream a chunk went to: chunks of one stream usually arrive together. */
  private StreamState lastStream;
  private long bytes;

  /** What is remembered of a recently closed stream. */
  static final class Closed {
    final long closedAt;
    final EndReason reason;
    /** Derivations of a stream closed without its stream span (for a late stream span). */
    final DerivedStream derived;
    boolean streamSpanDone;

    Closed(long closedAt, EndReason reason, DerivedStream derived, boolean streamSpanDone) {
      this.closedAt = closedAt;
      this.reason = reason;
      this.derived = derived;
      this.streamSpanDone = streamSpanDone;
    }
  }

  StreamStore(long recentMaxKeys, long recentTtlNanos) {
    this.recentMaxKeys = recentMaxKeys;
    this.recentTtlNanos = recentTtlNanos;
  }

  int size() {
    return open.size();
  }

  long bytes() {
    return bytes;
  }

  void addBytes(long n) {
    bytes += n;
  }

  /** Open stream for a key (no cache). */
  StreamState get(long hi, long lo, long streamId) {
    return open.get(hi, lo, streamId);
  }

  /** Open stream for a key, trying the last one found first. */
  StreamState lookup(long hi, long lo, long streamId) {
    StreamState last = lastStream;
    if (last != null && last.key.streamId == streamId && last.key.traceLo == lo && last.key.traceHi == hi) {
      return last;
    }
    StreamState st = open.get(hi, lo, streamId);
    if (st != null) {
      lastStream = st;
    }
    return st;
  }

  /** Opens a stream whose key is not open; the caller has made room. */
  StreamState create(long hi, long lo, long streamId, Resource resource, long now) {
    StreamState st = new StreamState(new StreamKey(hi, lo, streamId), now);
    st.firstResource = resource;
    open.put(st);
    st.traceNext = byTrace.put(lo, st);
    lru.append(st);
    age.append(st);
    bytes += st.bytes();
    return st;
  }

  /** Records an arrival for a stream: it becomes the most recently active. */
  void touch(StreamState st, long now) {
    st.lastArrival = now;
    lru.moveToTail(st);
  }

  void scheduleGrace(StreamState st, long deadline) {
    st.graceDeadline = deadline;
    grace.append(st);
  }

  /** Least recently active open stream, or null. */
  StreamState leastRecent() {
    return lru.head();
  }

  /** Oldest open stream by creation, or null. */
  StreamState oldest() {
    return age.head();
  }

  /** Stream with the nearest grace deadline, or null. */
  StreamState nextGrace() {
    return grace.head();
  }

  /** First open stream of a trace (by its low 64 bits; compare the key), chained by {@link StreamState#traceNext}. */
  StreamState firstOfTrace(long traceLo) {
    return byTrace.get(traceLo);
  }

  /** Whether a trace has an open stream. */
  boolean hasOpenStream(long hi, long lo) {
    for (StreamState t = byTrace.get(lo); t != null; t = t.traceNext) {
      if (t.key.traceHi == hi) {
        return true;
      }
    }
    return false;
  }

  /** Takes a stream out of the table, the lists and the trace index; subtracts its bytes. */
  void remove(StreamState st) {
    if (lastStream == st) {
      lastStream = null;
    }
    open.remove(st.key.traceHi, st.key.traceLo, st.key.streamId);
    lru.remove(st);
    age.remove(st);
    grace.remove(st);
    unlinkTrace(st);
    bytes -= st.bytes();
  }

  private void unlinkTrace(StreamState st) {
    Long lo = st.key.traceLo;
    StreamState h = byTrace.get(lo);
    if (h == st) {
      if (st.traceNext == null) {
        byTrace.remove(lo);
      } else {
        byTrace.put(lo, st.traceNext);
      }
    } else {
      for (StreamState p = h; p != null; p = p.traceNext) {
        if (p.traceNext == st) {
          p.traceNext = st.traceNext;
          break;
        }
      }
    }
    st.traceNext = null;
  }

  // ---- recently closed

  /** The recently closed stream with this key, or null. */
  Closed recent(long hi, long lo, long streamId) {
    return recent.get(probe.set(hi, lo, streamId));
  }

  void remember(StreamKey key, Closed closed) {
    if (recentMaxKeys == 0) {
      return;
    }
    recent.put(key, closed);
    while (recent.size() > recentMaxKeys) {
      Iterator<StreamKey> it = recent.keySet().iterator();
      it.next();
      it.remove();
    }
  }

  /** Forgets recently closed keys older than the TTL. */
  void expireRecent(long now) {
    Iterator<Closed> it = recent.values().iterator();
    while (it.hasNext()) {
      if (now - it.next().closedAt < recentTtlNanos) {
        break;
      }
      it.remove();
    }
  }

  /** Forgets the {@code n} oldest recently closed keys (memory limiter); returns how many. */
  long forgetOldest(long n) {
    long done = 0;
    for (Iterator<StreamKey> it = recent.keySet().iterator(); done < n && it.hasNext(); done++) {
      it.next();
      it.remove();
    }
    return done;
  }

  int recentlyClosed() {
    return recent.size();
  }
}
