package dev.streamfold.loadgen;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * The ring in force at each moment of a run: the initial endpoints, then one more endpoint at
 * each {@code --add-endpoint-at} offset, as a Collector's resolver would report a new backend.
 * Shared by all workers; thread-safe. Prints one line when the ring changes.
 */
final class RingSchedule implements Supplier<HashRing> {
  private final LongSupplier nanoTime;
  private final long t0;
  private final PrintStream out;
  /** rings.get(k) is in force from offsets[k] (offsets[0] = 0). */
  private final List<HashRing> rings = new ArrayList<>();
  private final long[] offsets;
  private volatile int stage;

  /** @param additions (offset nanos from now, endpoint), in any order */
  RingSchedule(List<String> endpoints, List<Addition> additions, LongSupplier nanoTime, PrintStream out) {
    this.nanoTime = nanoTime;
    this.out = out;
    this.t0 = nanoTime.getAsLong();
    List<Addition> sorted = new ArrayList<>(additions);
    sorted.sort((a, b) -> Long.compare(a.offsetNanos(), b.offsetNanos()));
    offsets = new long[sorted.size() + 1];
    HashRing ring = new HashRing(endpoints);
    rings.add(ring);
    for (int k = 0; k < sorted.size(); k++) {
      ring = ring.with(sorted.get(k).endpoint());
      rings.add(ring);
      offsets[k + 1] = sorted.get(k).offsetNanos();
    }
  }

  /** One {@code --add-endpoint-at}. */
  record Addition(long offsetNanos, String endpoint) {}

  @Override
  public HashRing get() {
    int s = stage;
    if (s + 1 < offsets.length && nanoTime.getAsLong() - t0 >= offsets[s + 1]) {
      synchronized (this) {
        long elapsed = nanoTime.getAsLong() - t0;
        while (stage + 1 < offsets.length && elapsed >= offsets[stage + 1]) {
          stage++;
          out.printf(Locale.ROOT, "loadgen: [%.1fs] ring now %s%n", elapsed / 1e9, rings.get(stage));
        }
        s = stage;
      }
    }
    return rings.get(s);
  }

  /** The ring at the end of the schedule (every endpoint the run may use). */
  HashRing last() {
    return rings.get(rings.size() - 1);
  }
}
