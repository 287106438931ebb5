package dev.streamfold.telemetry;

import dev.streamfold.config.TelemetryConfig;
import dev.streamfold.derive.ClosedStream;
import dev.streamfold.derive.DerivedStream;
import dev.streamfold.derive.EndReason;
import dev.streamfold.derive.InputShape;
import dev.streamfold.derive.StreamLabels;
import dev.streamfold.derive.StreamListener;
import dev.streamfold.derive.TokenSource;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.DoubleSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Records the SPEC 4 stream instruments when a stream's window closes.
 *
 * <p>Every series of a metric carries the same label keys: {@code service.name},
 * {@code gen_ai.operation.name}, {@code gen_ai.provider.name}, {@code gen_ai.request.model},
 * {@code gen_ai.response.model}, {@code error.type}, {@code llm_stream.complete} and
 * {@code otel.metric.overflow} (plus {@code gen_ai.token.type} on token usage and
 * {@code llm_stream.end_reason}, {@code llm_stream.input_shape} on the closed counter); an
 * absent value is the empty string. {@code otel.metric.overflow} is {@code ""} on normal series
 * and {@code "true"} on the overflow series, where every other label is empty: Prometheus
 * treats an empty label as absent, so queries see the key only on the overflow series.
 *
 * <p>Series per metric are capped ({@code telemetry.max_series_per_metric}); observations that
 * go to the overflow series are counted in {@code streamfold.metric_overflow{metric}}.
 * Observations that cannot be recorded (negative, NaN or infinite) are counted in
 * {@code streamfold.metric_invalid{metric}} and skipped.
 *
 * <p>Thread-safe and non-blocking: called from window shard threads. A known label set costs a
 * map lookup per instrument; meters are created once per label set. The stream's trace and
 * span id are exposed to the exemplar samplers on the calling thread while it records.
 */
final class StreamMetrics implements StreamListener {
  private static final Logger log = LoggerFactory.getLogger(StreamMetrics.class);

  static final String SERVICE_NAME = "service.name";
  static final String OPERATION_NAME = "gen_ai.operation.name";
  static final String PROVIDER_NAME = "gen_ai.provider.name";
  static final String REQUEST_MODEL = "gen_ai.request.model";
  static final String RESPONSE_MODEL = "gen_ai.response.model";
  static final String ERROR_TYPE = "error.type";
  static final String COMPLETE = "llm_stream.complete";
  static final String OVERFLOW = "otel.metric.overflow";
  static final String TOKEN_TYPE = "gen_ai.token.type";
  static final String END_REASON = "llm_stream.end_reason";
  static final String INPUT_SHAPE = "llm_stream.input_shape";

  /** Label set shared by the histograms. */
  record SeriesKey(StreamLabels labels, boolean complete) {}

  record TokenKey(SeriesKey series, String tokenType) {}

  record ClosedKey(SeriesKey series, EndReason endReason, InputShape inputShape) {}

  private final MeterRegistry registry;
  private final ExemplarContext exemplars;
  private final int maxSeries;
  private final SeriesCache<SeriesKey, Timer> ttft;
  private final SeriesCache<SeriesKey, Timer> timePerChunk;
  private final SeriesCache<SeriesKey, Timer> duration;
  private final SeriesCache<TokenKey, DistributionSummary> tokenUsage;
  private final SeriesCache<SeriesKey, DistributionSummary> tokensPerSecond;
  private final SeriesCache<ClosedKey, Counter> closed;
  private final AtomicReference<DoubleSupplier> active = new AtomicReference<>(() -> 0);
  private final Counter errors;
  private final AtomicBoolean errorLogged = new AtomicBoolean();
  private final Counter[] invalid = new Counter[Instrument.values().length];

  /**
   * Registers the enabled instruments on {@code registry} (the gauge at once, histograms and
   * counters per label set on first use).
   */
  StreamMetrics(MeterRegistry registry, TelemetryConfig config, ExemplarContext exemplars) {
    this.registry = registry;
    this.exemplars = exemplars;
    this.maxSeries = config.maxSeriesPerMetric();
    this.errors = Counter.builder("streamfold.metric_record_errors")
        .description("Closed streams whose metrics could not be recorded (unexpected error).")
        .register(registry);
    for (Instrument in : Instrument.values()) {
      if (!in.histogram()) {
        continue;
      }
      invalid[in.ordinal()] = Counter.builder("streamfold.metric_invalid")
          .description("Observations skipped because the value was negative, NaN or infinite.")
          .tag("metric", in.otelName)
          .register(registry);
    }
    ttft = config.instrumentEnabled(Instrument.TIME_TO_FIRST_CHUNK.otelName)
        ? timers(Instrument.TIME_TO_FIRST_CHUNK, config) : null;
    timePerChunk = config.instrumentEnabled(Instrument.TIME_PER_OUTPUT_CHUNK.otelName)
        ? timers(Instrument.TIME_PER_OUTPUT_CHUNK, config) : null;
    duration = config.instrumentEnabled(Instrument.DURATION.otelName)
        ? timers(Instrument.DURATION, config) : null;
    tokensPerSecond = config.instrumentEnabled(Instrument.OUTPUT_TOKENS_PER_SECOND.otelName)
        ? summaries(Instrument.OUTPUT_TOKENS_PER_SECOND, config, StreamMetrics::series, List.of()) : null;
    tokenUsage = config.instrumentEnabled(Instrument.TOKEN_USAGE.otelName)
        ? summaries(Instrument.TOKEN_USAGE, config, k -> series(k.series()).and(TOKEN_TYPE, k.tokenType()),
            List.of(Tag.of(TOKEN_TYPE, ""))) : null;
    closed = config.instrumentEnabled(Instrument.CLOSED.otelName) ? closedCounters() : null;
    if (config.instrumentEnabled(Instrument.ACTIVE.otelName)) {
      Gauge.builder(Instrument.ACTIVE.otelName, active, a -> a.get().getAsDouble())
          .description(Instrument.ACTIVE.description)
          .baseUnit(Instrument.ACTIVE.unit)
          .strongReference(true)
          .register(registry);
    }
  }

  /** The source of {@code llm_stream.active}; replaces any earlier one. */
  void registerActiveStreams(DoubleSupplier openStreams) {
    active.set(openStreams);
  }

  @Override
  public void onStreamClosed(ClosedStream stream) {
    DerivedStream d = stream == null ? null : stream.derived();
    if (d == null) {
      return;
    }
    boolean withExemplar = exemplars.set(stream.traceIdHex(), stream.spanIdHex());
    try {
      record(stream, d);
    } catch (RuntimeException e) {
      errors.increment();
      if (errorLogged.compareAndSet(false, true)) {
        log.warn("recording stream metrics failed (counted in streamfold_metric_record_errors_total, logged once)", e);
      }
    } finally {
      if (withExemplar) {
        exemplars.clear();
      }
    }
  }

  private void record(ClosedStream stream, DerivedStream d) {
    StreamLabels labels = stream.labels() == null ? StreamLabels.EMPTY : stream.labels();
    SeriesKey key = new SeriesKey(labels, d.complete());
    if (ttft != null && d.ttftMs() != null) {
      recordMillis(Instrument.TIME_TO_FIRST_CHUNK, ttft, key, d.ttftMs());
    }
    double[] intervals = stream.intervalsMs();
    if (timePerChunk != null && intervals != null && intervals.length > 0) {
      Timer t = timePerChunk.get(key, intervals.length);
      for (double ms : intervals) {
        long nanos = nanos(ms);
        if (nanos < 0) {
          invalid[Instrument.TIME_PER_OUTPUT_CHUNK.ordinal()].increment();
        } else {
          t.record(nanos, TimeUnit.NANOSECONDS);
        }
      }
    }
    if (duration != null && d.durationMs() != null) {
      recordMillis(Instrument.DURATION, duration, key, d.durationMs());
    }
    if (tokenUsage != null && d.tokenSource() != null && d.tokenSource() != TokenSource.NONE) {
      if (d.inputTokens() != null) {
        recordValue(Instrument.TOKEN_USAGE, tokenUsage, new TokenKey(key, "input"), d.inputTokens());
      }
      if (d.outputTokens() != null) {
        recordValue(Instrument.TOKEN_USAGE, tokenUsage, new TokenKey(key, "output"), d.outputTokens());
      }
    }
    if (tokensPerSecond != null && d.outputTokensPerSecond() != null) {
      recordValue(Instrument.OUTPUT_TOKENS_PER_SECOND, tokensPerSecond, key, d.outputTokensPerSecond());
    }
    if (closed != null && d.endReason() != null && d.inputShape() != null) {
      closed.get(new ClosedKey(key, d.endReason(), d.inputShape()), 1).increment();
    }
  }

  private void recordMillis(Instrument in, SeriesCache<SeriesKey, Timer> cache, SeriesKey key, double ms) {
    long nanos = nanos(ms);
    if (nanos < 0) {
      invalid[in.ordinal()].increment();
      return;
    }
    cache.get(key, 1).record(nanos, TimeUnit.NANOSECONDS);
  }

  private <K> void recordValue(Instrument in, SeriesCache<K, DistributionSummary> cache, K key, double v) {
    if (!(v >= 0) || Double.isInfinite(v)) {
      invalid[in.ordinal()].increment();
      return;
    }
    cache.get(key, 1).record(v);
  }

  /** Milliseconds to nanoseconds; -1 for values that cannot be a duration. */
  static long nanos(double ms) {
    if (!(ms >= 0) || ms > Long.MAX_VALUE / 1_000_000d) {
      return -1;
    }
    return Math.round(ms * 1_000_000d);
  }

  static Tags series(SeriesKey k) {
    StreamLabels l = k.labels();
    return Tags.of(
        Tag.of(SERVICE_NAME, v(l.serviceName())),
        Tag.of(OPERATION_NAME, v(l.operationName())),
        Tag.of(PROVIDER_NAME, v(l.providerName())),
        Tag.of(REQUEST_MODEL, v(l.requestModel())),
        Tag.of(RESPONSE_MODEL, v(l.responseModel())),
        Tag.of(ERROR_TYPE, v(l.errorType())),
        Tag.of(COMPLETE, k.complete() ? "true" : "false"),
        Tag.of(OVERFLOW, ""));
  }

  /** The overflow label set: every label empty but {@code otel.metric.overflow="true"}. */
  static Tags overflowTags(List<Tag> extraKeys) {
    List<Tag> tags = new ArrayList<>();
    for (String k : List.of(SERVICE_NAME, OPERATION_NAME, PROVIDER_NAME, REQUEST_MODEL, RESPONSE_MODEL, ERROR_TYPE, COMPLETE)) {
      tags.add(Tag.of(k, ""));
    }
    tags.add(Tag.of(OVERFLOW, "true"));
    tags.addAll(extraKeys);
    return Tags.of(tags);
  }

  private static String v(String s) {
    return s == null ? "" : s;
  }

  private Counter overflowCounter(Instrument in) {
    return Counter.builder("streamfold.metric_overflow")
        .description("Observations recorded on a metric's overflow series because its series cap was reached.")
        .tag("metric", in.otelName)
        .register(registry);
  }

  private SeriesCache<SeriesKey, Timer> timers(Instrument in, TelemetryConfig config) {
    Duration[] slos = buckets(in, config).stream()
        .map(s -> Duration.ofNanos(Math.round(s * 1e9)))
        .toArray(Duration[]::new);
    return new SeriesCache<>(
        maxSeries,
        k -> timer(in, slos, series(k)),
        () -> timer(in, slos, overflowTags(List.of())),
        overflowCounter(in));
  }

  private Timer timer(Instrument in, Duration[] slos, Tags tags) {
    return Timer.builder(in.otelName)
        .description(in.description)
        .tags(tags)
        .publishPercentileHistogram(false)
        .serviceLevelObjectives(slos)
        .register(registry);
  }

  private <K> SeriesCache<K, DistributionSummary> summaries(
      Instrument in, TelemetryConfig config, java.util.function.Function<K, Tags> tags, List<Tag> overflowExtra) {
    double[] slos = buckets(in, config).stream().mapToDouble(Double::doubleValue).toArray();
    return new SeriesCache<>(
        maxSeries,
        k -> summary(in, slos, tags.apply(k)),
        () -> summary(in, slos, overflowTags(overflowExtra)),
        overflowCounter(in));
  }

  private DistributionSummary summary(Instrument in, double[] slos, Tags tags) {
    return DistributionSummary.builder(in.otelName)
        .description(in.description)
        .baseUnit(in.unit)
        .tags(tags)
        .publishPercentileHistogram(false)
        .serviceLevelObjectives(slos)
        .register(registry);
  }

  private SeriesCache<ClosedKey, Counter> closedCounters() {
    Instrument in = Instrument.CLOSED;
    return new SeriesCache<>(
        maxSeries,
        k -> counter(series(k.series())
            .and(END_REASON, k.endReason().label())
            .and(INPUT_SHAPE, k.inputShape().label())),
        () -> counter(overflowTags(List.of(Tag.of(END_REASON, ""), Tag.of(INPUT_SHAPE, "")))),
        overflowCounter(in));
  }

  private Counter counter(Tags tags) {
    return Counter.builder(Instrument.CLOSED.otelName)
        .description(Instrument.CLOSED.description)
        .baseUnit(Instrument.CLOSED.unit)
        .tags(tags)
        .register(registry);
  }

  private static List<Double> buckets(Instrument in, TelemetryConfig config) {
    List<Double> configured = config.instrumentBuckets(in.otelName);
    return configured.isEmpty() ? in.defaultBuckets() : configured;
  }
}
