package dev.streamfold.telemetry;

import io.micrometer.core.instrument.Counter;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The meters of one metric by label set, at most {@code maxSeries} of them. A label set seen
 * for the first time once the cap is reached gets the overflow meter (created on first use)
 * and each such observation is counted. Lookups of known label sets are one map read; meters
 * are created at most once per label set. Thread-safe.
 *
 * @param <K> label-set key (a record with value semantics)
 * @param <M> meter type
 */
final class SeriesCache<K, M> {
  private final ConcurrentHashMap<K, M> meters = new ConcurrentHashMap<>();
  private final AtomicInteger size = new AtomicInteger();
  private final int maxSeries;
  private final Function<K, M> factory;
  private final Supplier<M> overflowFactory;
  private final Counter overflowed;
  private volatile M overflow;

  SeriesCache(int maxSeries, Function<K, M> factory, Supplier<M> overflowFactory, Counter overflowed) {
    this.maxSeries = maxSeries;
    this.factory = factory;
    this.overflowFactory = overflowFactory;
    this.overflowed = overflowed;
  }

  /**
   * The meter for {@code key}, or the overflow meter when the cap is reached.
   *
   * @param observations how many observations the caller is about to record on the result,
   *     counted as overflowed when the overflow meter is returned
   */
  M get(K key, long observations) {
    M m = meters.get(key);
    if (m != null) {
      return m;
    }
    if (size.get() < maxSeries) {
      m = meters.computeIfAbsent(key, this::create);
      if (m != null) {
        return m;
      }
    }
    overflowed.increment(observations);
    return overflow();
  }

  /** Series created so far, the overflow series excluded. */
  int size() {
    return size.get();
  }

  private M create(K key) {
    if (size.incrementAndGet() > maxSeries) {
      size.decrementAndGet();
      return null; // no mapping: the caller falls back to the overflow meter
    }
    try {
      return factory.apply(key);
    } catch (RuntimeException e) {
      size.decrementAndGet();
      throw e;
    }
  }

  private M overflow() {
    M o = overflow;
    if (o == null) {
      synchronized (this) {
        o = overflow;
        if (o == null) {
          o = overflowFactory.get();
          overflow = o;
        }
      }
    }
    return o;
  }
}
