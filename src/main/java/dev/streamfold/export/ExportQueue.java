package dev.streamfold.export;

import dev.streamfold.config.ExporterConfig;
import dev.streamfold.pipeline.Admission;
import dev.streamfold.pipeline.Signal;
import dev.streamfold.telemetry.Reasons;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One exporter's bounded queue of sealed batches, and the admission question asked of it.
 *
 * <p>Items are counted against {@code queue.capacity_items} from the moment they are offered
 * ({@link #reserve}) until the downstream acknowledges them or they are dropped
 * ({@link #release}); a batch being retried still occupies its share. Admission stops at
 * {@code capacity * (1 - admission_reserve)}, keeping the rest for what the window emits itself.
 *
 * <p>With {@code queue.persistent.enabled}, sealed batches are written to disk before they are
 * queued and memory only holds references; {@code max_size_mib} bounds the bytes. What was on
 * disk at start is replayed. Thread-safe.
 */
final class ExportQueue {
  private static final Logger LOG = LoggerFactory.getLogger(ExportQueue.class);

  /** A sealed batch in the queue: in memory ({@code request}), or a reference to disk ({@code ref}). */
  record Batch(Signal signal, long items, ExportRequest request, PersistentQueue.Ref ref) {}

  private final long capacity;
  private final long admitLimit;
  private final double admitShare;
  private final AtomicLong queued = new AtomicLong();
  private final AtomicLong pendingBytes = new AtomicLong();
  /** Unbounded as a collection, bounded through {@link #queued}: every batch holds at least one item. */
  private final LinkedBlockingQueue<Batch> ready = new LinkedBlockingQueue<>();
  private final PersistentQueue disk;
  private final ExportCounters counters;
  private final String queueFull;
  private final String diskFull;

  ExportQueue(ExporterConfig.Queue cfg, ExportCounters counters) throws IOException {
    this.capacity = cfg.capacityItems();
    this.admitShare = 1 - cfg.admissionReserve();
    this.admitLimit = (long) Math.floor(capacity * admitShare);
    this.counters = counters;
    this.queueFull = "export queue full (" + capacity + " items)";
    this.diskFull = "persistent export queue full (" + cfg.persistent().maxSizeMib() + " MiB)";
    if (!cfg.persistent().enabled()) {
      this.disk = null;
      return;
    }
    this.disk =
        new PersistentQueue(
            Path.of(cfg.persistent().directory()),
            cfg.persistent().maxSizeMib() << 20,
            (signal, items, detail) -> {
              if (signal != null) {
                counters.dropped(signal, PersistentQueue.CORRUPT, items, detail);
              }
              LOG.warn("persistent export queue: skipped corrupt data: {}", detail);
            });
    try {
      long replayed = 0;
      for (PersistentQueue.Ref ref : disk.recover()) {
        queued.addAndGet(ref.items());
        replayed += ref.items();
        ready.add(new Batch(ref.signal(), ref.items(), null, ref));
      }
      if (replayed > 0) {
        LOG.info("persistent export queue: replaying {} items from {}", replayed, cfg.persistent().directory());
      }
    } catch (IOException | RuntimeException e) {
      disk.close();
      throw e;
    }
  }

  boolean persistent() {
    return disk != null;
  }

  long capacity() {
    return capacity;
  }

  /** Items counted against the capacity: queued, in a batcher, being sent or retried. */
  long size() {
    return queued.get();
  }

  long diskBytes() {
    return disk == null ? 0 : disk.sizeBytes();
  }

  /**
   * RETRY_LATER when the queue itself has no room for {@code items}; BACKLOG when it has, but not
   * also for the {@code pending} items admitted upstream and not yet offered (the window is behind).
   */
  Admission.Verdict check(long pending, long items) {
    if (items > admitLimit) {
      return Admission.Verdict.NEVER;
    }
    long q = queued.get();
    if (q + items > admitLimit) {
      return Admission.Verdict.RETRY_LATER;
    }
    if (q + pending + items > admitLimit) {
      return Admission.Verdict.BACKLOG;
    }
    if (disk != null && disk.sizeBytes() + pendingBytes.get() > disk.maxBytes() * admitShare) {
      return Admission.Verdict.RETRY_LATER;
    }
    return Admission.Verdict.ADMIT;
  }

  /**
   * Why {@link #check} refused, with the bound, its config key and the figures.
   *
   * @param exporter " (exporter NAME)" when there are several, else ""
   */
  String retryReason(Admission.Verdict verdict, long pending, long items, String exporter) {
    long q = queued.get();
    if (verdict == Admission.Verdict.BACKLOG) {
      return "window backlog: " + pending + " items admitted and not yet processed by the window, " + q
          + " queued for export" + exporter + " and this request's " + items + " exceed the export queue's admission limit of "
          + admitLimit + " items (exporter.queue.capacity_items " + capacity + " less admission_reserve): the window is behind "
          + "its input";
    }
    if (disk != null && q + pending + items <= admitLimit) {
      return "persistent export queue is full" + exporter + ": " + (disk.sizeBytes() + pendingBytes.get()) + " of "
          + disk.maxBytes() + " bytes (exporter.queue.persistent.max_size_mib less admission_reserve)";
    }
    return "export queue is full" + exporter + ": " + q + " of " + capacity + " items queued (exporter.queue.capacity_items; "
        + "admission stops at " + admitLimit + ", admission_reserve keeps the rest for the window's own output): the "
        + "downstream takes less than the input";
  }

  /** The largest request admission could ever let through. */
  long admitLimit() {
    return admitLimit;
  }

  /**
   * Takes room for an offer of {@code items} whose entries encode to about {@code bytes}; on
   * refusal the items are counted as {@code queue_full}.
   */
  boolean reserve(Signal signal, long items, long bytes) {
    while (true) {
      long cur = queued.get();
      if (cur + items > capacity) {
        counters.dropped(signal, Reasons.QUEUE_FULL, items, queueFull);
        return false;
      }
      if (queued.compareAndSet(cur, cur + items)) {
        break;
      }
    }
    if (disk == null) {
      return true;
    }
    long limit = disk.maxBytes();
    while (true) {
      long cur = pendingBytes.get();
      if (disk.sizeBytes() + cur + bytes > limit) {
        queued.addAndGet(-items);
        counters.dropped(signal, Reasons.QUEUE_FULL, items, diskFull);
        return false;
      }
      if (pendingBytes.compareAndSet(cur, cur + bytes)) {
        return true;
      }
    }
  }

  /** Gives back room taken by {@link #reserve} (delivered, dropped, or never batched). */
  void release(long items, long bytes) {
    queued.addAndGet(-items);
    if (bytes != 0) {
      pendingBytes.addAndGet(-bytes);
    }
  }

  /** A sealed batch: to disk first when persistent, then to the ready queue. */
  void put(Signal signal, ExportRequest request, long reservedBytes) {
    if (disk == null) {
      ready.add(new Batch(signal, request.items(), request, null));
      return;
    }
    PersistentQueue.Ref ref;
    try {
      ref = disk.append(signal, request.items(), request.encoded());
    } catch (IOException e) {
      // keep the batch in memory (still bounded by capacity_items) rather than lose it
      counters.note("persistent_queue_write_error", e.toString());
      ready.add(new Batch(signal, request.items(), request, null));
      return;
    } finally {
      pendingBytes.addAndGet(-reservedBytes);
    }
    if (ref == null) {
      queued.addAndGet(-request.items());
      counters.dropped(signal, Reasons.QUEUE_FULL, request.items(), diskFull);
      return;
    }
    ready.add(new Batch(signal, request.items(), null, ref));
  }

  Batch poll(long timeout, TimeUnit unit) throws InterruptedException {
    return ready.poll(timeout, unit);
  }

  /** The batch's request, read from disk when it lives there. */
  ExportRequest load(Batch b) throws IOException {
    return b.request() != null ? b.request() : ExportRequest.ofEncoded(b.signal(), disk.read(b.ref()), b.items());
  }

  /** The batch left the books (delivered or dropped): acknowledged on disk, its room freed. */
  void done(Batch b) {
    if (b.ref() != null) {
      try {
        disk.ack(b.ref());
      } catch (IOException e) {
        counters.note("persistent_queue_ack_error", e.toString());
      }
    }
    queued.addAndGet(-b.items());
  }

  /** Removes what is still queued (shutdown). */
  List<Batch> drain() {
    List<Batch> out = new ArrayList<>();
    ready.drainTo(out);
    return out;
  }

  /** Closes the disk files; unacknowledged records stay for the next start. */
  void close() {
    if (disk != null) {
      disk.close();
    }
  }
}
