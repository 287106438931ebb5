package dev.streamfold.window;

import static org.assertj.core.api.Assertions.assertThat;

import dev.streamfold.config.TestConfig;
import dev.streamfold.config.WindowConfig;
import dev.streamfold.derive.ClosedStream;
import dev.streamfold.telemetry.InMemoryMetrics;
import dev.streamfold.time.ManualClock;
import dev.streamfold.testing.RecordingDownstream;
import io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.trace.v1.Span;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Replays a fixture's export requests through one window shard in the order they were recorded,
 * the manual clock advancing by the recorded gaps between arrivals (so a request that arrived
 * later than the finalize grace arrives late here too), then lets the grace and the idle timeout
 * pass. Metrics requests
 * are skipped: the window takes traces and logs; metrics pass the pipeline unchanged elsewhere.
 */
final class FixtureReplay {
  final WindowConfig cfg;
  final ManualClock clock = new ManualClock();
  final RecordingDownstream out = new RecordingDownstream();
  final InMemoryMetrics metrics = new InMemoryMetrics();
  final List<ClosedStream> closed = new CopyOnWriteArrayList<>();

  FixtureReplay(WindowConfig cfg) {
    this.cfg = cfg;
  }

  FixtureReplay() {
    this(TestConfig.window());
  }

  /** Replays the whole fixture; returns every span that came out. */
  List<Span> run(ProducerFixture f) {
    WindowShard shard = new WindowShard(0, WindowSettings.of(cfg, 1), new Recognizer(cfg.rules()), out, metrics, closed::add, clock);
    long previous = -1;
    for (ProducerFixture.Request r : f.requests) {
      if (previous >= 0 && r.arrivedUnixMs() > previous) {
        clock.advance(Duration.ofMillis(r.arrivedUnixMs() - previous));
        shard.tick();
      }
      previous = r.arrivedUnixMs();
      if (r.message() instanceof ExportTraceServiceRequest t) {
        shard.onTraces(t);
      } else if (r.message() instanceof ExportLogsServiceRequest l) {
        shard.onLogs(l);
      }
    }
    clock.advance(cfg.finalizeGrace());
    shard.tick();
    // and past the idle timeout, so a stream that never found its stream span shows as incomplete
    clock.advance(cfg.idleTimeout());
    shard.tick();
    assertThat(shard.openStreams()).as("nothing left open after grace and idle timeout").isZero();
    return out.allSpans();
  }
}
