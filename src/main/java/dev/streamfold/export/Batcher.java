package dev.streamfold.export;

import com.google.protobuf.Message;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Merges resource entries of one signal into batches of at most {@code maxSize} items and at
 * most {@code maxBytes} of encoded request, sealed when full or {@code timeout} after the first
 * entry of the batch arrived. Sealed batches go to the sink on the caller's thread (or the timer
 * thread), outside the batcher's lock. An entry over either bound is split (see {@link
 * SignalOps}); an entry that cannot be split further (one item, or one metric) and is still over
 * {@code maxBytes} is sealed alone. Holds at most one open batch. Thread-safe.
 */
final class Batcher<R extends Message> {
  /** A sealed batch: the request, its item count and the persistent-queue byte reservation it carries. */
  record Sealed(Message request, long items, long bytes) {}

  interface Sink {
    void accept(SignalOps<?> ops, Sealed batch);
  }

  private final SignalOps<R> ops;
  private final int maxSize;
  private final long maxBytes;
  private final long timeoutNanos;
  private final ScheduledExecutorService timer;
  private final Sink sink;
  private List<R> pending = new ArrayList<>();
  private long pendingItems;
  private long pendingSize;
  private long pendingReserved;
  private ScheduledFuture<?> flushTask;
  private long generation;
  private boolean closed;

  Batcher(SignalOps<R> ops, int maxSize, long maxBytes, long timeoutNanos, ScheduledExecutorService timer, Sink sink) {
    this.ops = ops;
    this.maxSize = maxSize;
    this.maxBytes = maxBytes;
    this.timeoutNanos = timeoutNanos;
    this.timer = timer;
    this.sink = sink;
  }

  /**
   * Adds entries carrying {@code items} items and a persistent-queue reservation of {@code reserved} bytes.
   *
   * @return the item count actually batched (differs from {@code items} only when the offer
   *     had to be split and the caller's count was off), or {@code -1} when the batcher is closed
   */
  long add(List<? extends R> entries, long items, long reserved) {
    long size = 0;
    for (R r : entries) {
      size += SignalOps.framedSize(r);
    }
    List<Sealed> out = new ArrayList<>(2);
    long actual = items;
    synchronized (this) {
      if (closed) {
        return -1;
      }
      if (items <= maxSize && size <= maxBytes) {
        append(entries, items, size, reserved, out);
      } else {
        List<R> pieces = new ArrayList<>();
        for (R r : entries) {
          fit(r, pieces);
        }
        long[] counts = new long[pieces.size()];
        actual = 0;
        for (int i = 0; i < counts.length; i++) {
          counts[i] = ops.count(pieces.get(i));
          actual += counts[i];
        }
        long left = reserved;
        for (int i = 0; i < counts.length; i++) {
          long b = i == counts.length - 1 ? left : (actual == 0 ? 0 : reserved * counts[i] / actual);
          left -= b;
          R piece = pieces.get(i);
          append(List.of(piece), counts[i], SignalOps.framedSize(piece), b, out);
        }
      }
    }
    emit(out);
    return actual;
  }

  /** Splits {@code r} until every piece is within both bounds or cannot be split further. */
  private void fit(R r, List<R> out) {
    long count = ops.count(r);
    long size = SignalOps.framedSize(r);
    if ((count <= maxSize && size <= maxBytes) || count <= 1) {
      out.add(r);
      return;
    }
    long bySize = size <= maxBytes ? count : Math.max(1, count * maxBytes / size);
    int max = (int) Math.max(1, Math.min(Math.min(maxSize, bySize), count - 1));
    List<R> parts = ops.split(r, max);
    if (parts.size() < 2) {
      out.add(r); // one metric with many points: sent alone
      return;
    }
    for (R p : parts) {
      fit(p, out);
    }
  }

  private void append(List<? extends R> entries, long items, long size, long reserved, List<Sealed> out) {
    if (pendingItems > 0 && (pendingItems + items > maxSize || pendingSize + size > maxBytes)) {
      out.add(seal());
    }
    pending.addAll(entries);
    pendingItems += items;
    pendingSize += size;
    pendingReserved += reserved;
    if (pendingItems >= maxSize || pendingSize >= maxBytes) {
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
    Sealed s = new Sealed(ops.assemble(pending), pendingItems, pendingReserved);
    pending = new ArrayList<>();
    pendingItems = 0;
    pendingSize = 0;
    pendingReserved = 0;
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
