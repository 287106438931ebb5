package dev.streamfold.export;

import dev.streamfold.config.ExporterConfig;
import dev.streamfold.pipeline.Admission;
import dev.streamfold.pipeline.Downstream;
import dev.streamfold.telemetry.ExportMetrics;
import dev.streamfold.time.Clock;
import io.opentelemetry.proto.logs.v1.ResourceLogs;
import io.opentelemetry.proto.metrics.v1.ResourceMetrics;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.DoubleSupplier;
import java.util.function.Predicate;

/**
 * The export stage (SPEC 5) as the rest of the service sees it: a {@link Downstream} that hands
 * every offer to each configured exporter's {@link ExportLane} (each with its own queue, threads,
 * retry and counters, so a slow or down exporter never stalls another), and the {@link
 * Admission} the window asks before accepting a request (see {@link #check}). The lanes do the work (queue, batching, retry,
 * counters); this class only fans out and answers admission.
 *
 * <p>Lifecycle: build, {@link #start()} (offers before start are queued), {@link
 * #shutdown(Duration)} once. Thread-safe.
 */
public final class ExportPipeline implements Downstream, Admission {
  public static final String QUEUE_SIZE_GAUGE = "streamfold.export.queue.size";
  public static final String QUEUE_CAPACITY_GAUGE = "streamfold.export.queue.capacity";
  public static final String PERSISTENT_BYTES_GAUGE = "streamfold.export.queue.persistent.bytes";

  private final List<ExportLane> lanes;
  private final Object lifecycle = new Object();
  private boolean started;
  private boolean stopped;

  private ExportPipeline(List<ExportLane> lanes, ExportMetrics metrics) {
    this.lanes = List.copyOf(lanes);
    for (ExportLane lane : this.lanes) {
      ExportQueue q = lane.queue();
      metrics.gauge(QUEUE_SIZE_GAUGE, "Items in the export queue (including batches being sent or retried)", q::size, "exporter", lane.name());
      metrics.gauge(QUEUE_CAPACITY_GAUGE, "Capacity of the export queue in items", q::capacity, "exporter", lane.name());
      if (q.persistent()) {
        metrics.gauge(PERSISTENT_BYTES_GAUGE, "Bytes held by the persistent export queue", q::diskBytes, "exporter", lane.name());
      }
    }
  }

  /** An export pipeline for one exporter, the one {@code cfg.type} names; call {@link #start()} next. */
  public static ExportPipeline create(ExporterConfig cfg, ExportMetrics metrics) throws IOException {
    return builder(cfg, metrics).build();
  }

  /** An export pipeline for several exporters at once, by name (the {@code exporter} metrics label). */
  public static ExportPipeline create(Map<String, ExporterConfig> exporters, ExportMetrics metrics) throws IOException {
    Builder b = new Builder(metrics);
    exporters.forEach(b::add);
    return b.build();
  }

  public static Builder builder(ExporterConfig cfg, ExportMetrics metrics) {
    return new Builder(metrics).add(cfg.type(), cfg);
  }

  public static Builder builder(ExportMetrics metrics) {
    return new Builder(metrics);
  }

  /** Builds an {@link ExportPipeline}; test seams for the exporters, time and randomness. */
  public static final class Builder {
    private final ExportMetrics metrics;
    private final Map<String, ExporterConfig> configs = new LinkedHashMap<>();
    private final Map<String, Exporter> given = new LinkedHashMap<>();
    private Clock clock = Clock.SYSTEM;
    private DoubleSupplier random = () -> ThreadLocalRandom.current().nextDouble();

    private Builder(ExportMetrics metrics) {
      this.metrics = Objects.requireNonNull(metrics, "metrics");
    }

    /** Adds an exporter named {@code name}, created from {@code cfg.type}. */
    public Builder add(String name, ExporterConfig cfg) {
      configs.put(Objects.requireNonNull(name, "name"), Objects.requireNonNull(cfg, "cfg"));
      return this;
    }

    /** Adds an exporter named {@code name} that sends through {@code exporter}; the pipeline closes it at shutdown. */
    public Builder add(String name, ExporterConfig cfg, Exporter exporter) {
      add(name, cfg);
      given.put(name, exporter);
      return this;
    }

    /** Uses this exporter instead of the one the (only) config names; the pipeline closes it at shutdown. */
    public Builder exporter(Exporter exporter) {
      if (configs.size() != 1) {
        throw new IllegalStateException("exporter(Exporter) is for a pipeline of one exporter; use add(name, cfg, exporter)");
      }
      given.put(configs.keySet().iterator().next(), exporter);
      return this;
    }

    /** Time for retry waits and budgets, the shutdown deadline, log throttling and HTTP dates. */
    public Builder clock(Clock clock) {
      this.clock = Objects.requireNonNull(clock, "clock");
      return this;
    }

    /** Uniform [0, 1) source for backoff jitter. */
    public Builder random(DoubleSupplier random) {
      this.random = random;
      return this;
    }

    /**
     * Creates the exporters (unless given), opens and replays the persistent queues when
     * enabled, registers the queue gauges. On failure, closes what it had opened.
     */
    public ExportPipeline build() throws IOException {
      if (configs.isEmpty()) {
        throw new IllegalStateException("no exporter configured");
      }
      List<ExportLane> lanes = new ArrayList<>();
      try {
        for (Map.Entry<String, ExporterConfig> e : configs.entrySet()) {
          Exporter ex = given.containsKey(e.getKey()) ? given.get(e.getKey()) : Exporters.create(e.getValue(), clock);
          try {
            lanes.add(new ExportLane(e.getKey(), e.getValue(), ex, metrics, clock, random));
          } catch (IOException | RuntimeException ex2) {
            ex.close(Duration.ZERO);
            throw ex2;
          }
        }
      } catch (IOException | RuntimeException ex) {
        lanes.forEach(l -> l.shutdown(Duration.ZERO));
        throw ex;
      }
      return new ExportPipeline(lanes, metrics);
    }
  }

  @Override
  public void start() {
    synchronized (lifecycle) {
      if (started || stopped) {
        return;
      }
      started = true;
      lanes.forEach(ExportLane::start);
    }
  }

  @Override
  public boolean offerSpans(List<ResourceSpans> spans, int items) {
    return toEveryLane(lane -> lane.offerSpans(spans, items));
  }

  @Override
  public boolean offerLogs(List<ResourceLogs> logs, int items) {
    return toEveryLane(lane -> lane.offerLogs(logs, items));
  }

  @Override
  public boolean offerMetrics(List<ResourceMetrics> metrics, int items) {
    return toEveryLane(lane -> lane.offerMetrics(metrics, items));
  }

  /** Offers to every exporter (protobuf messages are immutable, so they share the entries); true when all took it. */
  private boolean toEveryLane(Predicate<ExportLane> offer) {
    boolean all = true;
    for (ExportLane lane : lanes) {
      all &= offer.test(lane);
    }
    return all;
  }

  /**
   * NEVER when the request is larger than some exporter's queue could ever admit. Otherwise the
   * exporters that are working decide: while at least one exporter is healthy, an exporter whose
   * downstream is failing (retrying, not yet recovered) does not hold admission back; its queue
   * fills and its overflow is dropped as {@code queue_full} on its own counters. When every
   * exporter is failing (or there is one), all of them count, so a full queue refuses as before.
   */
  @Override
  public Verdict check(long pending, long items) {
    return refusing(pending, items).verdict;
  }

  /** The verdict and the lane that decides it (null when admitted); a full queue before a backlog. */
  private record Refusal(Verdict verdict, ExportLane lane) {}

  private Refusal refusing(long pending, long items) {
    boolean anyHealthy = false;
    for (ExportLane lane : lanes) {
      anyHealthy |= !lane.failing();
    }
    Refusal r = new Refusal(Verdict.ADMIT, null);
    for (ExportLane lane : lanes) {
      Verdict l = lane.check(pending, items);
      if (l == Verdict.NEVER) {
        return new Refusal(l, lane);
      }
      boolean counts = !anyHealthy || !lane.failing();
      if (counts && (l == Verdict.RETRY_LATER || (l == Verdict.BACKLOG && r.verdict == Verdict.ADMIT))) {
        r = new Refusal(l, lane);
      }
    }
    return r;
  }

  @Override
  public String retryReason(Verdict verdict, long pending, long items) {
    Refusal r = refusing(pending, items);
    ExportLane lane = r.lane != null ? r.lane : lanes.get(0);
    return lane.retryReason(r.lane != null ? r.verdict : verdict, pending, items,
        lanes.size() > 1 ? " (exporter " + lane.name() + ")" : "");
  }

  @Override
  public String neverReason(long items) {
    long limit = Long.MAX_VALUE;
    for (ExportLane lane : lanes) {
      limit = Math.min(limit, lane.queue().admitLimit());
    }
    return "request of " + items + " items exceeds what the export queue can ever admit (" + limit
        + " items: exporter queue.capacity_items less admission_reserve); split it into smaller requests";
  }

  /**
   * Stops accepting, seals the open batches, drains every exporter's queue within
   * {@code timeout} (the exporters in parallel), then gives up on what is left.
   */
  @Override
  public void shutdown(Duration timeout) {
    synchronized (lifecycle) {
      if (stopped) {
        return;
      }
      stopped = true;
    }
    if (lanes.size() == 1) {
      lanes.get(0).shutdown(timeout);
      return;
    }
    List<Thread> threads = new ArrayList<>();
    for (ExportLane lane : lanes) {
      Thread t = new Thread(() -> lane.shutdown(timeout), "streamfold-export-shutdown-" + lane.name());
      threads.add(t);
      t.start();
    }
    for (Thread t : threads) {
      try {
        t.join();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }
}
