package dev.streamfold.explain;

import dev.streamfold.config.ConfigException;
import dev.streamfold.config.ConfigLoader;
import dev.streamfold.config.WindowConfig;
import dev.streamfold.derive.StreamListener;
import dev.streamfold.pipeline.Admission;
import dev.streamfold.pipeline.Downstream;
import dev.streamfold.pipeline.IngestResult;
import dev.streamfold.telemetry.WindowMetrics;
import dev.streamfold.time.ManualClock;
import dev.streamfold.window.StreamWindow;
import io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.logs.v1.ResourceLogs;
import io.opentelemetry.proto.metrics.v1.ResourceMetrics;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * Runs recorded requests through the service's own window ({@link StreamWindow}, one shard) on a
 * {@link ManualClock}: requests arrive in file order (a recording that has arrival times advances
 * the clock by the recorded gaps), then the clock jumps past {@code finalize_grace} and past
 * {@code idle_timeout} / {@code max_stream_age}, so every stream closes as it would in the
 * service, without waiting.
 */
final class Replay {
  private static final Duration SYNC = Duration.ofSeconds(60);

  /** What came out of the window: every span and log record it forwarded or emitted. */
  record Output(List<ResourceSpans> spans, List<ResourceLogs> logs, long spanCount, long logCount) {}

  private Replay() {}

  static Output run(WindowConfig configured, List<InputRequest> requests, RecordingObserver observer) {
    WindowConfig cfg = replayed(configured);
    ManualClock clock = new ManualClock();
    Collecting out = new Collecting();
    StreamWindow window = new StreamWindow(cfg, out, Admission.ALWAYS, WindowMetrics.NOOP, StreamListener.NOOP, clock, observer);
    window.start();
    try {
      long previous = -1;
      for (InputRequest r : requests) {
        if (r.arrivedUnixMs() >= 0) {
          if (previous >= 0 && r.arrivedUnixMs() > previous) {
            clock.advance(Duration.ofMillis(r.arrivedUnixMs() - previous));
            sync(window);
          }
          previous = r.arrivedUnixMs();
        }
        IngestResult result = switch (r.signal()) {
          case TRACES -> window.traces((ExportTraceServiceRequest) r.message());
          case LOGS -> window.logs((ExportLogsServiceRequest) r.message());
          case METRICS -> IngestResult.OK; // metrics pass the window unchanged: counted by the report
        };
        if (!result.accepted()) {
          throw new IllegalStateException(r.where() + ": the window refused the request: " + result.message());
        }
        sync(window);
      }
      clock.advance(cfg.finalizeGrace());
      sync(window);
      Duration first = min(cfg.idleTimeout(), cfg.maxStreamAge());
      Duration last = max(cfg.idleTimeout(), cfg.maxStreamAge());
      clock.advance(first.minus(min(first, cfg.finalizeGrace())));
      sync(window);
      clock.advance(last.minus(first));
      sync(window);
    } finally {
      window.shutdown(SYNC);
    }
    return out.output();
  }

  /**
   * The window config with one shard (the replay is one ordered sequence) and no bound on pending
   * items (the replay waits for each request).
   */
  static WindowConfig replayed(WindowConfig c) {
    try {
      return ConfigLoader.window(c, "shards=1", "max_pending_items=" + Long.MAX_VALUE);
    } catch (ConfigException e) {
      throw new IllegalStateException("the replay's window config: " + e.getMessage(), e);
    }
  }

  private static void sync(StreamWindow window) {
    try {
      if (!window.sync(SYNC)) {
        throw new IllegalStateException("the window did not finish a request within " + SYNC);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }

  private static Duration min(Duration a, Duration b) {
    return a.compareTo(b) <= 0 ? a : b;
  }

  private static Duration max(Duration a, Duration b) {
    return a.compareTo(b) >= 0 ? a : b;
  }

  /** The downstream of a replay: keeps what the window forwards and emits; admits everything. */
  private static final class Collecting implements Downstream {
    private final List<ResourceSpans> spans = Collections.synchronizedList(new ArrayList<>());
    private final List<ResourceLogs> logs = Collections.synchronizedList(new ArrayList<>());
    private long spanCount;
    private long logCount;

    @Override
    public synchronized boolean offerSpans(List<ResourceSpans> s, int items) {
      spans.addAll(s);
      spanCount += items;
      return true;
    }

    @Override
    public synchronized boolean offerLogs(List<ResourceLogs> l, int items) {
      logs.addAll(l);
      logCount += items;
      return true;
    }

    @Override
    public boolean offerMetrics(List<ResourceMetrics> metrics, int items) {
      return true;
    }

    @Override
    public void start() {}

    @Override
    public void shutdown(Duration timeout) {}

    synchronized Output output() {
      return new Output(List.copyOf(spans), List.copyOf(logs), spanCount, logCount);
    }
  }
}
