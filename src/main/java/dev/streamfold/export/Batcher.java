package dev.streamfold.export;

import com.google.protobuf.Message;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Merges resource entries of one signal into batches of at most {@code maxSize} items, sealed
 * when full or {@code timeout} after the first entry of the batch arrived. Sealed batches go to
 * the sink on the caller's thread (or the timer thread), outside the batcher's lock.
 * An offer larger than {@code maxSize} is split (see {@link SignalOps}). Holds at most one
 * open batch, so its memory is bounded by {@code maxSize} items. Thread-safe.
 */
final class Batcher<R extends Message> {
  /** A sealed batch: the resource entries, their item count and the byte reservation they carry. */
  record Sealed(Message request, long items, long bytes) {}

  interface Sink {
    void accept(SignalOps<?> ops, Sealed batch);
  }

  private final SignalOps<R> ops;
  private final int maxSize;
  private final long timeoutNanos;
  private final ScheduledExecutorService timer;
  private final Sink sink;
  private List<R> pending = new ArrayList<>();
  private long pendingItems;
  private long pendingBytes;
  private ScheduledFuture<?> flushTask;
  private long generation;
  private boolean closed;

  Batcher(SignalOps<R> ops, int maxSize, long timeoutNanos, ScheduledExecutorService timer, Sink sink) {
    this.ops = ops;
    this.maxSize = maxSize;
    this.timeoutNanos = timeoutNanos;
    this.timer = timer;
    this.sink = sink;
  }

  /**
   * Adds entries carrying {@code items} items and a reservation of {@code bytes}.
   *
   * @return the item count actually batched (differs from {@code items} only when the offer
   *     had to be split and the caller's count was off), or {@code -1} when the batcher is closed
   */
  long add(List<? extends R> entries, long items, long bytes) {
    List<Sealed> out = new ArrayList<>(2);
    long actual = items;
    synchronized (this) {
      if (closed) {
        return -1;
      }
      if (items <= maxSize) {
        append(entries, items, bytes, out);
      } else {
        actual = 0;
        List<R> pieces = new ArrayList<>();
        for (R r : entries) {
          if (ops.count(r) > maxSize) {
            pieces.addAll(ops.split(r, maxSize));
          } else {
            pieces.add(r);
          }
        }
        long[] counts = new long[pieces.size()];
        for (int i = 0; i < counts.length; i++) {
          counts[i] = ops.count(pieces.get(i));
          actual += counts[i];
        }
        long bytesLeft = bytes;
        for (int i = 0; i < counts.length; i++) {
          long b = i == counts.length - 1 ? bytesLeft : (actual == 0 ? 0 : bytes * counts[i] / actual);
          bytesLeft -= b;
          append(List.of(pieces.get(i)), counts[i], b, out);
        }
      }
    }
    emit(out);
    return actual;
  }

  private void append(List<? extends R> entries, long items, long bytes, List<Sealed> out) {
    if (pendingItems > 0 && pendingItems + items > maxSize) {
      out.add(seal());
    }
    pending.addAll(entries);
    pendingItems += items;
    pendingBytes += bytes;
    if (pendingItems >= maxSize) {
      out.add(seal());
    } else if (flushTask == null) {
      long gen = generation;
      flushTask = timer.schedule(() -> timeout(gen), timeoutNanos, TimeUnit.NANOSECONDS);
    }
  }

  private void timeout(long gen) {
    Sealed s = null;
    synchronized (this) {
      if (gen == generation && !pending.isEmpty()) {
        flushTask = null;
        s = seal();
      }
    }
    if (s != null) {
      emit(List.of(s));
    }
  }

  private Sealed seal() {
    Sealed s = new Sealed(ops.assemble(pending), pendingItems, pendingBytes);
    pending = new ArrayList<>();
    pendingItems = 0;
    pendingBytes = 0;
    generation++;
    if (flushTask != null) {
      flushTask.cancel(false);
      flushTask = null;
    }
    return s;
  }

  /** Seals what is pending and refuses further adds. */
  void close() {
    Sealed s = null;
    synchronized (this) {
      closed = true;
      if (!pending.isEmpty()) {
        s = seal();
      }
    }
    if (s != null) {
      emit(List.of(s));
    }
  }

  private void emit(List<Sealed> out) {
    for (Sealed s : out) {
      sink.accept(ops, s);
    }
  }
}
