package dev.streamfold.loadgen;

import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Fixed-size log-linear histogram of non-negative values (microseconds here): exact below 64,
 * then 32 linear sub-buckets per power of two (relative error below 3.2%). Bounded memory
 * (1888 counters), lock-free, thread-safe. Negative values are clamped to 0.
 */
final class DelayHistogram {
  private static final int BUCKETS = 64 + 57 * 32;
  private final AtomicLongArray counts = new AtomicLongArray(BUCKETS);
  private final AtomicLong total = new AtomicLong();
  private final AtomicLong max = new AtomicLong();

  void record(long value) {
    long v = Math.max(0, value);
    counts.incrementAndGet(index(v));
    total.incrementAndGet();
    long m;
    while (v > (m = max.get()) && !max.compareAndSet(m, v)) {
      // retry
    }
  }

  long count() {
    return total.get();
  }

  long max() {
    return max.get();
  }

  /** The upper bound of the bucket holding the {@code q}-quantile (0 < q <= 1); 0 when empty. */
  long quantile(double q) {
    long n = 0;
    long[] snapshot = new long[BUCKETS];
    for (int i = 0; i < BUCKETS; i++) {
      snapshot[i] = counts.get(i);
      n += snapshot[i];
    }
    if (n == 0) {
      return 0;
    }
    long rank = Math.max(1, (long) Math.ceil(q * n));
    long seen = 0;
    for (int i = 0; i < BUCKETS; i++) {
      seen += snapshot[i];
      if (seen >= rank) {
        return Math.min(upperBound(i), max.get());
      }
    }
    return max.get();
  }

  void reset() {
    for (int i = 0; i < BUCKETS; i++) {
      counts.set(i, 0);
    }
    total.set(0);
    max.set(0);
  }

  static int index(long v) {
    if (v < 64) {
      return (int) v;
    }
    int e = 63 - Long.numberOfLeadingZeros(v);
    long top = v >>> (e - 5);
    return 64 + (e - 6) * 32 + (int) (top - 32);
  }

  static long upperBound(int index) {
    if (index < 64) {
      return index;
    }
    int e = 6 + (index - 64) / 32;
    long top = 32 + (index - 64) % 32;
    return ((top + 1) << (e - 5)) - 1;
  }
}
