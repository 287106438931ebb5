package dev.streamfold.app;

import dev.streamfold.config.StreamfoldConfig;
import dev.streamfold.export.ExportPipeline;
import dev.streamfold.pipeline.Component;
import dev.streamfold.pipeline.Downstream;
import dev.streamfold.pipeline.Ingress;
import dev.streamfold.receiver.OtlpGrpcReceiver;
import dev.streamfold.receiver.OtlpHttpReceiver;
import dev.streamfold.telemetry.DownstreamMetricsSender;
import dev.streamfold.telemetry.Telemetry;
import dev.streamfold.time.Clock;
import dev.streamfold.window.StreamWindow;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Wires the stages (receivers -> window -> export, telemetry observing) and runs the lifecycle:
 * start in reverse data order, stop in data order (SPEC 3, shutdown). The one place that knows
 * every component.
 */
public final class Service {
  private static final Logger log = LoggerFactory.getLogger(Service.class);

  private final StreamfoldConfig cfg;
  private final Telemetry telemetry;
  private final ExportPipeline downstream;
  private final StreamWindow window;
  private final OtlpGrpcReceiver grpc;
  private final OtlpHttpReceiver http;
  private final HealthServer health;
  private final dev.streamfold.debug.DebugServer debug;
  private final CountDownLatch stopped = new CountDownLatch(1);
  private volatile boolean ready;
  private volatile boolean stopping;

  public Service(StreamfoldConfig cfg, Clock clock) throws java.io.IOException {
    this.cfg = cfg;
    Telemetry.Builder tb = Telemetry.builder(cfg.telemetry());
    // the export side needs the metrics and the metrics push needs the export side: break the
    // cycle with a sender that resolves the downstream lazily
    DownstreamHolder holder = new DownstreamHolder();
    if (cfg.telemetry().otlp().enabled()) {
      tb.metricsPush(holder);
    }
    this.telemetry = tb.build();
    // the export stage keeps the system clock: its waits (retry backoff, the shutdown deadline)
    // race real network calls, which a test's manual clock does not advance
    this.downstream = ExportPipeline.create(cfg.exportersByName(), telemetry.pipelineMetrics());
    holder.set(new DownstreamMetricsSender(downstream));
    var debugState = cfg.service().debug().enabled() ? new dev.streamfold.debug.DebugState(cfg.service().debug(), clock, this::openStreams) : null;
    this.window = new StreamWindow(cfg.window(), downstream, downstream, telemetry.pipelineMetrics(),
        telemetry.streamListener(), clock, debugState == null ? dev.streamfold.window.WindowObserver.NOOP : debugState);
    this.debug = debugState == null ? null : new dev.streamfold.debug.DebugServer(cfg.service().debug().endpoint(), new dev.streamfold.debug.DebugPage(debugState::snapshot));
    telemetry.registerActiveStreams(window::openStreams);
    Ingress ingress = MemoryLimits.guard(cfg, window, telemetry.pipelineMetrics());
    this.grpc = cfg.receivers().otlp().grpc().enabled() ? new OtlpGrpcReceiver(cfg.receivers().otlp(), ingress, telemetry.pipelineMetrics(), clock) : null;
    this.http = cfg.receivers().otlp().http().enabled() ? new OtlpHttpReceiver(cfg.receivers().otlp(), ingress, telemetry.pipelineMetrics(), clock) : null;
    this.health = cfg.service().health().enabled() ? new HealthServer(cfg.service().health().endpoint(), this::ready) : null;
  }

  /** Starts every component; on failure stops what started and rethrows. */
  public void start() throws Exception {
    List<Component> started = new ArrayList<>();
    try {
      if (health != null) {
        health.start();
        started.add(health);
      }
      if (debug != null) {
        debug.start();
        started.add(debug);
      }
      telemetry.start();
      started.add(telemetry);
      downstream.start();
      started.add(downstream);
      window.start();
      started.add(window);
      if (grpc != null) {
        grpc.start();
        started.add(grpc);
      }
      if (http != null) {
        http.start();
        started.add(http);
      }
    } catch (Exception e) {
      for (int i = started.size() - 1; i >= 0; i--) {
        started.get(i).shutdown(Duration.ofSeconds(2));
      }
      throw e;
    }
    ready = true;
  }

  public boolean ready() {
    return ready && !stopping;
  }

  /**
   * SPEC 3 shutdown: not ready at once, keep accepting for {@code accept_grace}, then stop
   * accepting, close the window's streams and drain the export queue within
   * {@code shutdown.timeout}.
   */
  public void stop() {
    if (stopping) {
      return;
    }
    stopping = true;
    Duration grace = cfg.service().shutdown().acceptGrace();
    Duration timeout = cfg.service().shutdown().timeout();
    log.info("shutting down: accepting for {} more, then draining (timeout {})", grace, timeout);
    try {
      Thread.sleep(grace.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    window.stopAccepting();
    long deadline = System.nanoTime() + timeout.toNanos();
    if (grpc != null) {
      grpc.shutdown(Duration.ofSeconds(1));
    }
    if (http != null) {
      http.shutdown(Duration.ofSeconds(1));
    }
    window.shutdown(remaining(deadline));
    // telemetry pushes its last metrics into the downstream, so it stops before the drain
    telemetry.shutdown(Duration.ofSeconds(1));
    downstream.shutdown(remaining(deadline));
    if (debug != null) {
      debug.shutdown(Duration.ZERO);
    }
    if (health != null) {
      health.shutdown(Duration.ZERO);
    }
    log.info("stopped");
    stopped.countDown();
  }

  public void awaitStopped() throws InterruptedException {
    stopped.await();
  }

  private static Duration remaining(long deadline) {
    return Duration.ofNanos(Math.max(1_000_000, deadline - System.nanoTime()));
  }

  // accessors for tests and the CLI
  public int grpcPort() {
    return grpc == null ? -1 : grpc.port();
  }

  public int httpPort() {
    return http == null ? -1 : http.port();
  }

  public int healthPort() {
    return health == null ? -1 : health.port();
  }

  private long openStreams() {
    return window.openStreams();
  }

  public int debugPort() {
    return debug == null ? -1 : debug.port();
  }

  public int metricsPort() {
    return telemetry.metricsServer().map(m -> m.port()).orElse(-1);
  }

  public StreamWindow window() {
    return window;
  }

  public Downstream downstream() {
    return downstream;
  }

  public Telemetry telemetry() {
    return telemetry;
  }

  /** Forwards OTLP metric pushes to the downstream once it exists. */
  private static final class DownstreamHolder implements dev.streamfold.telemetry.OtlpMetricsPush {
    private volatile DownstreamMetricsSender target;

    void set(DownstreamMetricsSender t) {
      target = t;
    }

    @Override
    public void send(byte[] request) throws Exception {
      DownstreamMetricsSender t = target;
      if (t != null) {
        t.send(request);
      }
    }
  }
}
