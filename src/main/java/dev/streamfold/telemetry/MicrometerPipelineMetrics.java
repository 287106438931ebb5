package dev.streamfold.telemetry;

import dev.streamfold.pipeline.Signal;
import dev.streamfold.pipeline.Unit;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.function.DoubleSupplier;
import java.util.function.Function;
import java.util.function.IntFunction;

/**
 * {@link PipelineMetrics} on micrometer: the SPEC 4 self-metrics as {@code streamfold_*}
 * counters (Prometheus names; dotted {@code streamfold.*} in OTLP).
 *
 * <p>Counters are cached per tag combination: enum combinations in arrays indexed by ordinal,
 * reason and shape strings in per-enum maps bounded to about {@value #MAX_REASONS} distinct values
 * (further values are counted under {@code other}), so a hot call is an array or map read and
 * an add, without allocation. Counters without a reason, and those of the known reasons
 * ({@link Reasons}), are registered up front so a scrape shows them at 0. Thread-safe.
 */
final class MicrometerPipelineMetrics implements PipelineMetrics {
  static final int MAX_REASONS = 64;
  static final String OTHER = "other";

  private static final Signal[] SIGNALS = Signal.values();
  private static final Unit[] UNITS = Unit.values();

  private final MeterRegistry registry;
  private final java.util.List<DoubleSupplier> heldCounters = new java.util.concurrent.CopyOnWriteArrayList<>();
  private final LazyCounters received;
  private final ReasonCounters[] refused = new ReasonCounters[SIGNALS.length];
  private final Counter[] passed = new Counter[UNITS.length];
  private final Counter[] condensed = new Counter[UNITS.length];
  private final ReasonCounters[] dropped = new ReasonCounters[UNITS.length];
  private final Counter generated;
  private final ReasonCounters chunks;
  private final Counter late;
  private final Counter duplicate;
  private final Counter missing;
  private final Counter reparentedOk;
  private final Counter reparentedNot;
  /** Export counters per exporter (label {@code exporter}); every export series carries it. */
  private final ConcurrentHashMap<String, ExporterCounters> exporters = new ConcurrentHashMap<>();

  MicrometerPipelineMetrics(MeterRegistry registry) {
    this.registry = registry;
    received = new LazyCounters(SIGNALS.length * UNITS.length, i -> Counter.builder("streamfold.received")
        .description("Items accepted by a receiver, by signal and unit.")
        .tag("signal", SIGNALS[i / UNITS.length].label())
        .tag("unit", UNITS[i % UNITS.length].label())
        .register(registry));
    received(Signal.TRACES, Unit.SPAN, 0);
    received(Signal.TRACES, Unit.SPAN_EVENT, 0);
    received(Signal.LOGS, Unit.LOG_RECORD, 0);
    received(Signal.METRICS, Unit.METRIC_POINT, 0);
    for (Signal s : SIGNALS) {
      refused[s.ordinal()] = new ReasonCounters(reason -> Counter.builder("streamfold.refused")
          .description("Requests or items refused by a receiver, by signal and reason.")
          .tag("signal", s.label())
          .tag("reason", reason)
          .register(registry));
    }
    for (Unit u : UNITS) {
      passed[u.ordinal()] = Counter.builder("streamfold.passed")
          .description("Items forwarded downstream unchanged or annotated, by unit.")
          .tag("unit", u.label())
          .register(registry);
      condensed[u.ordinal()] = Counter.builder("streamfold.condensed")
          .description("Items folded into a condensed span, by unit.")
          .tag("unit", u.label())
          .register(registry);
      dropped[u.ordinal()] = new ReasonCounters(reason -> Counter.builder("streamfold.dropped")
          .description("Items dropped inside streamfold, by unit and reason.")
          .tag("unit", u.label())
          .tag("reason", reason)
          .register(registry));
    }
    generated = Counter.builder("streamfold.generated_spans")
        .description("Synthetic spans created by streamfold (llm_stream.incomplete).")
        .register(registry);
    chunks = new ReasonCounters(shape -> Counter.builder("streamfold.chunks")
        .description("Chunks recognized, by input shape.")
        .tag("shape", shape)
        .register(registry));
    for (String shape : new String[] {"chunk_spans", "chunk_events", "chunk_logs"}) {
      chunks.get(shape);
    }
    late = Counter.builder("streamfold.late_chunks")
        .description("Chunks that arrived after their stream had closed.")
        .register(registry);
    duplicate = Counter.builder("streamfold.duplicate_chunks")
        .description("Chunks seen more than once (counted once).")
        .register(registry);
    missing = Counter.builder("streamfold.missing_chunks")
        .description("Chunks that closed streams lack by their producer's chunk indexes or stated count "
            + "(never received here: lost upstream, or sent to another instance after a scale-out).")
        .register(registry);
    reparentedOk = reparented("reparented");
    reparentedNot = reparented("unchanged");
    preRegisterReasons();
  }

  /**
   * The known reasons exist at 0 from start-up: a series that appears only with its first event
   * hides that event from {@code rate()} / {@code increase()} (no earlier sample to compare).
   */
  private void preRegisterReasons() {
    for (Signal s : SIGNALS) {
      Reasons.REFUSED.forEach(refused[s.ordinal()]::get);
    }
    for (Unit u : new Unit[] {Unit.SPAN, Unit.SPAN_EVENT, Unit.LOG_RECORD}) {
      Reasons.DROPPED.forEach(dropped[u.ordinal()]::get);
    }
  }

  private Counter reparented(String outcome) {
    return Counter.builder("streamfold.reparented")
        .description("Spans whose parent chunk span was dropped: re-parented to the stream span, "
            + "or passed unchanged because they arrived before their chunk span.")
        .tag("outcome", outcome)
        .register(registry);
  }

  @Override
  public void received(Signal signal, Unit unit, long n) {
    Counter c = received.get(signal.ordinal() * UNITS.length + unit.ordinal());
    add(c, n);
  }

  @Override
  public void refused(Signal signal, String reason, long n) {
    add(refused[signal.ordinal()].get(reason), n);
  }

  @Override
  public void passed(Unit unit, long n) {
    add(passed[unit.ordinal()], n);
  }

  @Override
  public void condensed(Unit unit, long n) {
    add(condensed[unit.ordinal()], n);
  }

  @Override
  public void dropped(Unit unit, String reason, long n) {
    add(dropped[unit.ordinal()].get(reason), n);
  }

  @Override
  public void generated(long n) {
    add(generated, n);
  }

  @Override
  public void chunks(String shape, long n) {
    add(chunks.get(shape), n);
  }

  @Override
  public void lateChunks(long n) {
    add(late, n);
  }

  @Override
  public void duplicateChunks(long n) {
    add(duplicate, n);
  }

  @Override
  public void missingChunks(long n) {
    add(missing, n);
  }

  @Override
  public void reparented(boolean ok, long n) {
    add(ok ? reparentedOk : reparentedNot, n);
  }

  /** Without {@link #forExporter}: counted under {@code exporter="default"}. */
  @Override
  public void exported(Signal signal, long n) {
    forExporter("default").exported(signal, n);
  }

  @Override
  public void exportFailed(Signal signal, String reason, long n) {
    forExporter("default").exportFailed(signal, reason, n);
  }

  @Override
  public void exportPartialRejected(Signal signal, long n) {
    forExporter("default").exportPartialRejected(signal, n);
  }

  @Override
  public ExportMetrics forExporter(String name) {
    return exporters.computeIfAbsent(name, ExporterCounters::new);
  }

  /** One exporter's export counters, its known failure reasons registered at 0 from the start. */
  private final class ExporterCounters implements ExportMetrics {
    private final Counter[] exported = new Counter[SIGNALS.length];
    private final ReasonCounters[] failed = new ReasonCounters[SIGNALS.length];
    private final Counter[] rejected = new Counter[SIGNALS.length];

    ExporterCounters(String exporter) {
      for (Signal s : SIGNALS) {
        exported[s.ordinal()] = Counter.builder("streamfold.exported")
            .description("Items acknowledged by the downstream, by exporter and signal.")
            .tag("exporter", exporter)
            .tag("signal", s.label())
            .register(registry);
        failed[s.ordinal()] = new ReasonCounters(reason -> Counter.builder("streamfold.export_failed")
            .description("Items the export queue or the downstream lost, by exporter, signal and reason.")
            .tag("exporter", exporter)
            .tag("signal", s.label())
            .tag("reason", reason)
            .register(registry));
        rejected[s.ordinal()] = Counter.builder("streamfold.export_partial_rejected")
            .description("Items the downstream rejected in partial_success, by exporter and signal.")
            .tag("exporter", exporter)
            .tag("signal", s.label())
            .register(registry);
        Reasons.EXPORT_FAILED.forEach(failed[s.ordinal()]::get);
      }
    }

    @Override
    public void exported(Signal signal, long n) {
      add(exported[signal.ordinal()], n);
    }

    @Override
    public void exportFailed(Signal signal, String reason, long n) {
      add(failed[signal.ordinal()].get(reason), n);
    }

    @Override
    public void exportPartialRejected(Signal signal, long n) {
      add(rejected[signal.ordinal()], n);
    }

    @Override
    public void gauge(String name, String description, DoubleSupplier value, String... tags) {
      MicrometerPipelineMetrics.this.gauge(name, description, value, tags);
    }
  }

  /**
   * Registers a gauge read at scrape / push time. The supplier is held strongly and must be
   * cheap and thread-safe. Registering the same name and tags again keeps the first supplier
   * (micrometer semantics).
   */
  @Override
  public void gauge(String name, String description, DoubleSupplier value, String... tags) {
    Gauge.builder(name, value, DoubleSupplier::getAsDouble)
        .description(description)
        .tags(tags)
        .strongReference(true)
        .register(registry);
  }

  @Override
  public void counter(String name, String description, DoubleSupplier value, String... tags) {
    heldCounters.add(value); // function counters reference their source weakly
    FunctionCounter.builder(name, value, DoubleSupplier::getAsDouble)
        .description(description)
        .tags(tags)
        .register(registry);
  }

  private static void add(Counter c, long n) {
    if (n > 0) {
      c.increment(n);
    }
  }

  /** Counters created on first use, indexed by an int computed from enum ordinals. */
  private static final class LazyCounters {
    private final AtomicReferenceArray<Counter> counters;
    private final IntFunction<Counter> factory;

    LazyCounters(int size, IntFunction<Counter> factory) {
      this.counters = new AtomicReferenceArray<>(size);
      this.factory = factory;
    }

    Counter get(int i) {
      Counter c = counters.get(i);
      if (c == null) {
        // registration is idempotent in micrometer: a racing thread gets the same counter
        c = factory.apply(i);
        counters.set(i, c);
      }
      return c;
    }
  }

  /** Counters by a reason-like string, at most {@link #MAX_REASONS}; the rest go to {@code other}. */
  private static final class ReasonCounters {
    private final ConcurrentHashMap<String, Counter> byReason = new ConcurrentHashMap<>();
    private final Function<String, Counter> factory;

    ReasonCounters(Function<String, Counter> factory) {
      this.factory = factory;
    }

    Counter get(String reason) {
      String r = reason == null || reason.isEmpty() ? "unknown" : reason;
      Counter c = byReason.get(r);
      if (c != null) {
        return c;
      }
      if (byReason.size() >= MAX_REASONS) {
        return byReason.computeIfAbsent(OTHER, factory);
      }
      return byReason.computeIfAbsent(r, factory);
    }
  }
}
