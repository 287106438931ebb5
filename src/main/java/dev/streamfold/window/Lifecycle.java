package dev.streamfold.window;

import com.google.protobuf.ByteString;
import dev.streamfold.derive.ClosedStream;
import dev.streamfold.derive.Derivations;
import dev.streamfold.derive.DerivedStream;
import dev.streamfold.derive.EndReason;
import dev.streamfold.derive.StreamListener;
import dev.streamfold.pipeline.Unit;
import dev.streamfold.telemetry.Reasons;
import dev.streamfold.telemetry.WindowMetrics;
import io.opentelemetry.proto.trace.v1.Span;
import java.util.SplittableRandom;

/**
 * When and how a shard's streams close (SPEC 3): the grace after the stream span, the idle
 * timeout, the maximum age, eviction over the stream and memory bounds, and shutdown. Closing a
 * stream derives its figures, emits its condensed or synthetic span, reports it to the
 * {@link StreamListener}, counts its units and remembers its key; when it was its trace's last
 * open stream, the trace's held spans are released ({@link HeldSpans}). Owned by one shard thread.
 */
final class Lifecycle {
  private final WindowSettings cfg;
  private final Recognizer rec;
  private final StreamStore store;
  private final ShardCounters counters;
  private final ShardOutput output;
  private final HeldSpans held;
  private final WindowMetrics metrics;
  private final StreamListener listener;
  private final WindowObserver observer;
  private final SplittableRandom random;

  Lifecycle(
      WindowSettings cfg,
      Recognizer rec,
      StreamStore store,
      ShardCounters counters,
      ShardOutput output,
      HeldSpans held,
      WindowMetrics metrics,
      StreamListener listener,
      WindowObserver observer,
      long seed) {
    this.observer = observer;
    this.cfg = cfg;
    this.rec = rec;
    this.store = store;
    this.counters = counters;
    this.output = output;
    this.held = held;
    this.metrics = metrics;
    this.listener = listener;
    this.random = new SplittableRandom(seed);
  }

  /** Closes the least recently active streams until one more fits under {@code max_open_streams}. */
  void makeRoom(long now) {
    StreamState victim;
    while (store.size() >= cfg.maxOpenStreams() && (victim = store.leastRecent()) != null) {
      close(victim, EndReason.EVICTED, now);
    }
  }

  /** Evicts least recently active streams (other than {@code current}) while over the memory budget. */
  void enforceMemory(StreamState current, long now) {
    while (store.bytes() > cfg.memoryBudgetBytes()) {
      StreamState victim = store.leastRecent();
      if (victim == current) {
        victim = victim.next[0];
      }
      if (victim == null) {
        return;
      }
      close(victim, EndReason.EVICTED, now);
    }
  }

  /** The stream span arrived: the stream closes after the grace (at once with no grace). */
  void startGrace(StreamState st, long now) {
    if (cfg.graceNanos() == 0) {
      close(st, EndReason.STREAM_END, now);
      return;
    }
    store.scheduleGrace(st, now + cfg.graceNanos());
    enforceMemory(st, now);
  }

  /** Closes streams whose grace, idle timeout or max age has passed; expires recently-closed keys. */
  void tick(long now) {
    StreamState s;
    while ((s = store.nextGrace()) != null && s.graceDeadline <= now) {
      close(s, EndReason.STREAM_END, now);
    }
    while ((s = store.leastRecent()) != null && now - s.lastArrival >= cfg.idleNanos()) {
      close(s, EndReason.IDLE_TIMEOUT, now);
    }
    while ((s = store.oldest()) != null && now - s.createdAt >= cfg.maxAgeNanos()) {
      close(s, EndReason.MAX_AGE, now);
    }
    store.expireRecent(now);
  }

  /** Nanoseconds until the next grace deadline, capped by the tick. */
  long nanosToNextDeadline(long now) {
    long wait = cfg.tickNanos();
    StreamState g = store.nextGrace();
    if (g != null) {
      wait = Math.min(wait, g.graceDeadline - now);
    }
    return Math.max(0, wait);
  }

  /** Shutdown: streams whose stream span arrived close as stream_end, the rest as shutdown. */
  void closeAll(long now) {
    StreamState s;
    while ((s = store.oldest()) != null) {
      close(s, s.streamSpan != null ? EndReason.STREAM_END : EndReason.SHUTDOWN, now);
    }
  }

  void close(StreamState st, EndReason reason, long now) {
    store.remove(st);
    counters.release(st);
    if (!store.hasOpenStream(st.key.traceHi, st.key.traceLo)) {
      // the trace's last stream: spans still waiting for an unknown parent go out unchanged
      held.traceClosed(st.key.traceHi, st.key.traceLo);
    }

    StreamFactsBuilder.Built built = StreamFactsBuilder.build(st, reason, rec.statedChunkCount(st.streamSpan), cfg.maxChunksPerStream());
    boolean hasChunks = built.facts().spanCount() + built.facts().otherCount() > 0 || st.dropped > 0;
    if (st.streamSpan != null && !hasChunks && built.facts().markerTime() < 0 && !built.facts().summary().present()
        && built.facts().missing().count() == 0) {
      // a held candidate that got nothing (and says it sent nothing): it passes through unchanged
      metrics.passed(Unit.SPAN, st.spanUnits);
      metrics.passed(Unit.SPAN_EVENT, st.eventUnits);
      output.emit(st.streamResource, st.streamScope, st.streamSpan);
      observer.closed(st.key.traceHi, st.key.traceLo, st.key.streamId, null, reason, st.streamResource, st.streamSpan);
      store.remember(st.key, new StreamStore.Closed(now, reason, null, true));
      return;
    }
    countCondensed(st, built);

    Derivations.Result r = Derivations.derive(built.facts());
    DerivedStream d = r.stream();
    if (d.missingChunks() != null) {
      metrics.missingChunks(d.missingChunks());
    }
    ByteString traceId = traceIdBytes(st.key);
    if (st.streamSpan != null) {
      Span condensed = Condenser.condensed(st.streamSpan, d, false, rec);
      output.emit(st.streamResource, st.streamScope, condensed);
      observer.closed(st.key.traceHi, st.key.traceLo, st.key.streamId, d, reason, st.streamResource, condensed);
      listener.onStreamClosed(new ClosedStream(
          d, Condenser.labels(st.streamResource, st.streamSpan, true), Ids.hex(traceId), Ids.hex(st.key.streamId), r.intervalsMs()));
      store.remember(st.key, new StreamStore.Closed(now, reason, null, true));
    } else {
      long newId;
      do {
        newId = random.nextLong();
      } while (newId == 0);
      Span span = Condenser.synthetic(traceId, st.key.streamId, newId, firstTime(st), lastTime(st), d);
      output.emit(st.firstResource, Condenser.SCOPE, span);
      observer.closed(st.key.traceHi, st.key.traceLo, st.key.streamId, d, reason, st.firstResource, span);
      metrics.generated(1);
      listener.onStreamClosed(new ClosedStream(
          d, Condenser.labels(st.firstResource, st.firstChunkLabels, false), Ids.hex(traceId), Ids.hex(newId), r.intervalsMs()));
      store.remember(st.key, new StreamStore.Closed(now, reason, d, false));
    }
  }

  /** Held units are condensed, except chunk duplicates, which are dropped. */
  private void countCondensed(StreamState st, StreamFactsBuilder.Built built) {
    int dupSpans = st.spanUnits - (st.streamSpan != null ? 1 : 0) - built.chunkSpans();
    int dupLogs = st.logUnits - built.chunkLogs();
    if (dupSpans > 0) {
      metrics.duplicateChunks(dupSpans);
      metrics.dropped(Unit.SPAN, Reasons.DUPLICATE_CHUNK, dupSpans);
    }
    if (dupLogs > 0) {
      metrics.duplicateChunks(dupLogs);
      metrics.dropped(Unit.LOG_RECORD, Reasons.DUPLICATE_CHUNK, dupLogs);
    }
    metrics.condensed(Unit.SPAN, st.spanUnits - Math.max(0, dupSpans));
    metrics.condensed(Unit.SPAN_EVENT, st.eventUnits);
    metrics.condensed(Unit.LOG_RECORD, st.logUnits - Math.max(0, dupLogs));
  }

  /** First chunk time: a block's is its start. */
  private static long firstTime(StreamState st) {
    long first = Long.MAX_VALUE;
    for (int i = 0; i < st.n; i++) {
      first = Math.min(first, st.kinds[i] == StreamState.KIND_BLOCK ? st.starts[i] : st.times[i]);
    }
    return st.n == 0 ? 0 : first;
  }

  /** Last chunk time (a block's end: sampling runs to it). */
  private static long lastTime(StreamState st) {
    long last = Long.MIN_VALUE;
    for (int i = 0; i < st.n; i++) {
      last = Math.max(last, st.times[i]);
    }
    return st.n == 0 ? 0 : last;
  }

  private static ByteString traceIdBytes(StreamKey k) {
    byte[] b = new byte[16];
    long hi = k.traceHi;
    long lo = k.traceLo;
    for (int i = 7; i >= 0; i--) {
      b[i] = (byte) hi;
      hi >>>= 8;
      b[i + 8] = (byte) lo;
      lo >>>= 8;
    }
    return ByteString.copyFrom(b);
  }
}
