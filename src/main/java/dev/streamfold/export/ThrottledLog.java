package dev.streamfold.export;

import dev.streamfold.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;

/**
 * Aggregates repeated events (dropped or retried batches) into at most one log line per
 * interval, with counts per key and the last detail, instead of one line per batch.
 * Thread-safe. Keys are a bounded set chosen by the caller (signal/reason), never data.
 */
final class ThrottledLog {
  private final String what;
  private final long intervalNanos;
  private final Clock clock;
  private final Consumer<String> sink;
  private final boolean countItems;
  private final Map<String, long[]> counts = new TreeMap<>();
  private long lastEmit;
  private boolean emittedOnce;
  private String lastDetail = "";

  /**
   * @param countItems report items per key (drops); otherwise report events per key (retries)
   */
  ThrottledLog(String what, Duration interval, Clock clock, Consumer<String> sink, boolean countItems) {
    this.countItems = countItems;
    this.what = what;
    this.intervalNanos = interval.toNanos();
    this.clock = clock;
    this.sink = sink;
  }

  /** Records one event of {@code items} items; may emit the aggregated line. */
  void record(String key, long items, String detail) {
    String line;
    synchronized (this) {
      long[] c = counts.computeIfAbsent(key, k -> new long[2]);
      c[0]++;
      c[1] += items;
      lastDetail = detail == null ? "" : detail;
      line = takeIfDue(false);
    }
    emit(line);
  }

  /** Emits what has accumulated if the interval has passed (or always, when {@code force}). */
  void flush(boolean force) {
    String line;
    synchronized (this) {
      line = takeIfDue(force);
    }
    emit(line);
  }

  private String takeIfDue(boolean force) {
    if (counts.isEmpty()) {
      return null;
    }
    long now = clock.nanos();
    if (!force && emittedOnce && now - lastEmit < intervalNanos) {
      return null;
    }
    StringBuilder sb = new StringBuilder(what).append(':');
    long batches = 0;
    long items = 0;
    for (Map.Entry<String, long[]> e : counts.entrySet()) {
      batches += e.getValue()[0];
      items += e.getValue()[1];
      sb.append(' ').append(e.getKey()).append('=').append(e.getValue()[countItems ? 1 : 0]);
    }
    if (countItems) {
      sb.append(" (").append(items).append(" items in ").append(batches).append(" requests");
    } else {
      sb.append(" (").append(batches).append(" failed attempts");
    }
    if (emittedOnce) {
      sb.append(String.format(java.util.Locale.ROOT, " in the last %.1f s", (now - lastEmit) / 1e9));
    }
    sb.append(")");
    if (!lastDetail.isEmpty()) {
      sb.append("; last error: ").append(lastDetail);
    }
    counts.clear();
    lastEmit = now;
    emittedOnce = true;
    return sb.toString();
  }

  private void emit(String line) {
    if (line != null) {
      sink.accept(line);
    }
  }
}
