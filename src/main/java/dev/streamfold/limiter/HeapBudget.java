package dev.streamfold.limiter;

import dev.streamfold.config.StreamfoldConfig;
import java.util.ArrayList;
import java.util.List;

/**
 * Bounds that follow the heap. The config's defaults for the window's memory budget, open
 * streams and recently-closed keys, the window's pending items and the export queue are
 * derived from the JVM's max heap ({@code -Xmx}, or {@code -XX:MaxRAMPercentage} of a
 * container's limit) by the shares below, so that together they hold under half of it; the
 * rest is for requests being decoded, garbage and the collector's headroom. A value set in the
 * config wins; {@link #warnings} says when the values in force cannot fit the heap.
 *
 * <p>The per-item costs are measured heap costs (bench/e2e.sh "heap": about 905 B per open
 * stream; a decoded span of the load generator's shapes about 0.6-1 KiB) rounded up.
 */
public final class HeapBudget {
  static final double WINDOW_SHARE = 0.20;
  static final double RECENT_SHARE = 0.05;
  /**
   * Items admitted and not yet processed only smooth the hand-over to the window: under overload
   * that queue is always full, and every item in it outlives a young collection and is copied;
   * at 10% of a 128 MiB heap (13 107 items) GC took 26-38% of wall time in bench/sidecar.sh's
   * 256 MiB overload runs, at 3% (about 4 000) 20-27%.
   */
  static final double PENDING_SHARE = 0.03;
  static final double QUEUE_SHARE = 0.15;
  /** Above this share of the heap the bounds in force cannot be held safely. */
  static final double FIT_SHARE = 0.70;

  static final long BYTES_PER_OPEN_STREAM = 1024;
  static final long BYTES_PER_RECENT_KEY = 768;
  static final long BYTES_PER_PENDING_ITEM = 1024;
  static final long BYTES_PER_QUEUED_ITEM = 1024;

  /** The old fixed defaults, now the caps of the derived ones (reached from about 4 GiB of heap). */
  static final long MAX_OPEN_STREAMS = 100_000;
  static final long MAX_RECENT_KEYS = 100_000;
  static final long MAX_PENDING_ITEMS = 500_000;
  static final long MAX_QUEUE_ITEMS = 200_000;
  static final long MAX_WINDOW_MIB = 256;

  private static final long MIB = 1024 * 1024;

  private HeapBudget() {}

  /** The JVM's max heap in bytes. */
  public static long maxHeap() {
    return Runtime.getRuntime().maxMemory();
  }

  public static long windowBudgetMib() {
    return windowBudgetMib(maxHeap());
  }

  public static long maxOpenStreams() {
    return maxOpenStreams(maxHeap());
  }

  public static long recentlyClosedKeys() {
    return recentlyClosedKeys(maxHeap());
  }

  public static long maxPendingItems() {
    return maxPendingItems(maxHeap());
  }

  public static long queueCapacityItems() {
    return queueCapacityItems(maxHeap());
  }

  static long windowBudgetMib(long heap) {
    return clamp((long) (heap * WINDOW_SHARE) / MIB, 1, MAX_WINDOW_MIB);
  }

  static long maxOpenStreams(long heap) {
    return clamp((long) (heap * WINDOW_SHARE) / BYTES_PER_OPEN_STREAM, 100, MAX_OPEN_STREAMS);
  }

  static long recentlyClosedKeys(long heap) {
    return clamp((long) (heap * RECENT_SHARE) / BYTES_PER_RECENT_KEY, 100, MAX_RECENT_KEYS);
  }

  static long maxPendingItems(long heap) {
    return clamp((long) (heap * PENDING_SHARE) / BYTES_PER_PENDING_ITEM, 1_000, MAX_PENDING_ITEMS);
  }

  static long queueCapacityItems(long heap) {
    return clamp((long) (heap * QUEUE_SHARE) / BYTES_PER_QUEUED_ITEM, 1_000, MAX_QUEUE_ITEMS);
  }

  /**
   * Warnings (empty when none) when the bounds in force would hold more than
   * {@value #FIT_SHARE} of {@code heap}; each names the keys and what they cost.
   */
  public static List<String> warnings(StreamfoldConfig cfg, long heap) {
    long window = Math.max(cfg.window().memoryBudgetMib() * MIB, cfg.window().maxOpenStreams() * BYTES_PER_OPEN_STREAM);
    long recent = cfg.window().recentlyClosed().maxKeys() * BYTES_PER_RECENT_KEY;
    long pending = cfg.window().maxPendingItems() * BYTES_PER_PENDING_ITEM;
    long queue = cfg.exporter().queue().persistent().enabled() ? 0 : cfg.exporter().queue().capacityItems() * BYTES_PER_QUEUED_ITEM;
    long total = window + recent + pending + queue;
    List<String> out = new ArrayList<>();
    if (total > heap * FIT_SHARE) {
      out.add(String.format(
          "bounds need about %d MiB of heap, more than %d%% of the %d MiB max heap: "
              + "window.memory_budget_mib / window.max_open_streams %d MiB, window.recently_closed.max_keys %d MiB, "
              + "window.max_pending_items %d MiB, exporter.queue.capacity_items %d MiB; "
              + "lower them or leave them unset (derived from the heap), or raise -Xmx; "
              + "the memory limiter will refuse data (UNAVAILABLE / 503) before they are reached",
          total / MIB, (int) (FIT_SHARE * 100), heap / MIB, window / MIB, recent / MIB, pending / MIB, queue / MIB));
    }
    return out;
  }

  private static long clamp(long v, long min, long max) {
    return Math.max(min, Math.min(max, v));
  }
}
