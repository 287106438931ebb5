package dev.streamfold.telemetry;

import dev.streamfold.config.TelemetryConfig;
import dev.streamfold.derive.StreamListener;
import dev.streamfold.pipeline.Component;
import io.micrometer.core.instrument.Clock;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.FileDescriptorMetrics;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import io.micrometer.core.instrument.util.NamedThreadFactory;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.micrometer.registry.otlp.AggregationTemporality;
import io.micrometer.registry.otlp.CompressionMode;
import io.micrometer.registry.otlp.OtlpConfig;
import io.micrometer.registry.otlp.OtlpMeterRegistry;
import io.prometheus.metrics.config.PrometheusPropertiesLoader;
import io.prometheus.metrics.expositionformats.ExpositionFormats;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.DoubleSupplier;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * All of SPEC 4, built from {@link TelemetryConfig}: the stream instruments
 * ({@link #streamListener()}), the self-metrics ({@link #pipelineMetrics()}), JVM and process
 * metrics, the Prometheus endpoint ({@link #metricsServer()}) and the OTLP metric push.
 *
 * <p>The meters are registered on a Prometheus registry (when
 * {@code telemetry.prometheus.enabled}) and an OTLP registry (when {@code telemetry.otlp.enabled}):
 * on the enabled one directly, or through a micrometer {@link CompositeMeterRegistry} when both
 * are, so both carry the same metrics. The OTLP registry pushes cumulative explicit-bucket
 * histograms every {@code telemetry.otlp.interval} through an {@link OtlpMetricsPush} (for the
 * service: {@link DownstreamMetricsSender}), with scope {@code dev.streamfold}.
 *
 * <p>Lifecycle: build, wire ({@link #pushMetricsTo} when pushing), {@link #start()} (binds the
 * endpoint, starts the push schedule),
 * {@link #shutdown(Duration)} after the window has closed its streams and before the
 * downstream drains: it pushes once more and closes the endpoint. Recording methods are
 * thread-safe and usable before start.
 */
public final class Telemetry implements Component {
  private static final Logger log = LoggerFactory.getLogger(Telemetry.class);

  private final MeterRegistry registry;
  private final PrometheusMeterRegistry prometheus;
  private final OtlpMeterRegistry otlp;
  private final AtomicBoolean pushing;
  private final MetricsServer server;
  private final StreamMetrics streamMetrics;
  private final MicrometerPipelineMetrics pipelineMetrics;
  private final JvmGcMetrics gcMetrics;
  private volatile OtlpMetricsPush push;

  private Telemetry(Builder b) {
    TelemetryConfig config = b.config;
    ExemplarContext exemplars = new ExemplarContext();
    if (config.prometheus().enabled()) {
      Properties props = new Properties();
      // OpenMetrics 1.0 allows exemplars on histogram buckets and counters only; micrometer's
      // default also writes them on histogram _count lines, which strict parsers reject
      props.setProperty("io.prometheus.exporter.exemplars_on_all_metric_types", "false");
      // each histogram series' exemplar sampler re-arms itself with a task on a shared scheduler
      // thread after every sample it takes: at the default 90 ms that thread woke 70 times a
      // second at 10 000 spans/s (0.5% of a core, bench/sidecar.sh THREADS=1); exemplars are
      // kept for 7 s at least anyway, so one new sample per second and series loses nothing
      props.setProperty("io.prometheus.exemplars.sample_interval_milliseconds", "1000");
      PrometheusConfig pc = new PrometheusConfig() {
        @Override
        public String get(String key) {
          return null;
        }

        @Override
        public Properties prometheusProperties() {
          return props;
        }
      };
      prometheus = new PrometheusMeterRegistry(pc, new PrometheusRegistry(), b.clock, exemplars);
      prometheus.config().namingConvention(new PrometheusNames());
      Map<Object, Object> loaderProps = new HashMap<>(props);
      ExpositionFormats formats = ExpositionFormats.init(PrometheusPropertiesLoader.load(loaderProps));
      server = new MetricsServer(config.prometheus().endpoint(), prometheus.getPrometheusRegistry(), scrapeFilter(), formats);
    } else {
      prometheus = null;
      server = null;
    }
    push = b.push;
    if (config.otlp().enabled()) {
      pushing = new AtomicBoolean(false);
      OtlpMetricsPush target = bytes -> push.send(bytes); // set by start() at the latest
      otlp = OtlpMeterRegistry.builder(new PushConfig(config.otlp(), pushing))
          .clock(b.clock)
          .threadFactory(new NamedThreadFactory("streamfold-metrics-push"))
          .metricsSender(new ScopedMetricsSender(target, BuildInfo.current().version()))
          .exemplarContextProvider(exemplars)
          .build();
    } else {
      pushing = null;
      otlp = null;
    }
    registry = recordingRegistry(b.clock, prometheus, otlp);
    // two binder names that `promtool check metrics` flags: process_cpu_time_ns_total (an
    // abbreviated unit; process_cpu_usage stays) and system_cpu_count (a _count suffix on a gauge)
    registry.config()
        .meterFilter(MeterFilter.denyNameStartsWith("process.cpu.time"))
        .meterFilter(new MeterFilter() {
          @Override
          public Meter.Id map(Meter.Id id) {
            return id.getName().equals("system.cpu.count") ? id.withName("system.cpus") : id;
          }
        });
    pipelineMetrics = new MicrometerPipelineMetrics(registry);
    if (prometheus != null) {
      BuildInfo.current().register(prometheus.getPrometheusRegistry());
    }
    if (otlp != null) {
      BuildInfo.current().register(otlp);
    }
    streamMetrics = new StreamMetrics(registry, config, exemplars);
    if (config.jvmMetrics()) {
      new JvmMemoryMetrics().bindTo(registry);
      gcMetrics = new JvmGcMetrics();
      gcMetrics.bindTo(registry);
      new JvmThreadMetrics().bindTo(registry);
      new ClassLoaderMetrics().bindTo(registry);
      new ProcessorMetrics().bindTo(registry);
      new UptimeMetrics().bindTo(registry);
      new FileDescriptorMetrics().bindTo(registry);
    } else {
      gcMetrics = null;
    }
  }

  /**
   * Where the meters are registered: the one enabled registry itself, or a composite over both
   * (over none: a no-op). A composite meter forwards each observation to its child meters, a
   * cost per recorded value that buys nothing when there is a single child.
   */
  private static MeterRegistry recordingRegistry(Clock clock, MeterRegistry prometheus, MeterRegistry otlp) {
    if (prometheus != null && otlp == null) {
      return prometheus;
    }
    if (otlp != null && prometheus == null) {
      return otlp;
    }
    CompositeMeterRegistry composite = new CompositeMeterRegistry(clock);
    if (prometheus != null) {
      composite.add(prometheus);
      composite.add(otlp);
    }
    return composite;
  }

  /** What the endpoint serves: all but micrometer's {@code _max} gauges of the SPEC 4 histograms. */
  static Predicate<String> scrapeFilter() {
    Set<String> excluded = new HashSet<>();
    for (Instrument in : Instrument.values()) {
      if (in.histogram()) {
        excluded.add(in.prometheusName + "_max");
      }
    }
    return name -> !excluded.contains(name);
  }

  public static Builder builder(TelemetryConfig config) {
    return new Builder(config);
  }

  /** Self-metrics for every pipeline stage. */
  public PipelineMetrics pipelineMetrics() {
    return pipelineMetrics;
  }

  /** Records the stream instruments; hand it to the window. */
  public StreamListener streamListener() {
    return streamMetrics;
  }

  /** Source of the {@code llm_stream.active} gauge (open streams); replaces an earlier one. */
  public void registerActiveStreams(DoubleSupplier openStreams) {
    streamMetrics.registerActiveStreams(openStreams);
  }

  /** The Prometheus endpoint, absent when {@code telemetry.prometheus.enabled} is false. */
  public Optional<MetricsServer> metricsServer() {
    return Optional.ofNullable(server);
  }

  MeterRegistry registry() {
    return registry;
  }

  PrometheusMeterRegistry prometheusRegistry() {
    return prometheus;
  }

  /**
   * Where the OTLP push sends its requests, e.g. {@code new DownstreamMetricsSender(downstream)};
   * set before {@link #start()} (the downstream is usually built after this object, since it
   * takes {@link #pipelineMetrics()}). Required when {@code telemetry.otlp.enabled}.
   */
  public void pushMetricsTo(OtlpMetricsPush push) {
    this.push = push;
  }

  /**
   * Binds the metrics endpoint and starts the push schedule.
   *
   * @throws IllegalStateException when {@code telemetry.otlp.enabled} and no push target is set
   */
  @Override
  public void start() throws Exception {
    if (otlp != null && push == null) {
      throw new IllegalStateException(
          "telemetry.otlp.enabled needs a push target: call Telemetry.pushMetricsTo(...) before start()");
    }
    if (server != null) {
      server.start();
    }
    if (otlp != null && pushing.compareAndSet(false, true)) {
      otlp.start(new NamedThreadFactory("streamfold-metrics-push"));
    }
  }

  @Override
  public void shutdown(Duration timeout) {
    if (otlp != null) {
      try {
        otlp.close(); // publishes once more when started
      } catch (RuntimeException e) {
        log.warn("final metrics push failed", e);
      }
    }
    if (server != null) {
      server.shutdown(timeout);
    }
    if (gcMetrics != null) {
      gcMetrics.close();
    }
  }

  /** Builder; a push target is required when {@code telemetry.otlp.enabled} (here or {@link Telemetry#pushMetricsTo}). */
  public static final class Builder {
    private final TelemetryConfig config;
    private OtlpMetricsPush push;
    private Clock clock = Clock.SYSTEM;

    private Builder(TelemetryConfig config) {
      this.config = config;
    }

    /** Where the OTLP push sends its requests, e.g. {@code new DownstreamMetricsSender(downstream)}. */
    public Builder metricsPush(OtlpMetricsPush push) {
      this.push = push;
      return this;
    }

    Builder clock(Clock clock) {
      this.clock = clock;
      return this;
    }

    public Telemetry build() {
      return new Telemetry(this);
    }
  }

  /** micrometer OTLP settings from {@code telemetry.otlp}; enabled only once started. */
  private static final class PushConfig implements OtlpConfig {
    private final TelemetryConfig.OtlpPush push;
    private final AtomicBoolean started;

    PushConfig(TelemetryConfig.OtlpPush push, AtomicBoolean started) {
      this.push = push;
      this.started = started;
    }

    @Override
    public String get(String key) {
      return null;
    }

    @Override
    public boolean enabled() {
      return started.get();
    }

    @Override
    public Duration step() {
      return push.interval();
    }

    @Override
    public Map<String, String> resourceAttributes() {
      Map<String, String> attrs = new LinkedHashMap<>();
      attrs.put("service.name", "streamfold");
      if (push.resourceAttributes() != null) {
        attrs.putAll(push.resourceAttributes());
      }
      return attrs;
    }

    @Override
    public AggregationTemporality aggregationTemporality() {
      return AggregationTemporality.CUMULATIVE;
    }

    @Override
    public CompressionMode compressionMode() {
      return CompressionMode.NONE;
    }

    @Override
    public TimeUnit baseTimeUnit() {
      return TimeUnit.SECONDS;
    }

    @Override
    public boolean publishMaxGaugeForHistograms() {
      return false;
    }
  }
}
