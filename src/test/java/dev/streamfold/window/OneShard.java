package dev.streamfold.window;

import dev.streamfold.config.TestConfig;
import dev.streamfold.config.WindowConfig;
import dev.streamfold.derive.ClosedStream;
import dev.streamfold.telemetry.InMemoryMetrics;
import dev.streamfold.testing.RecordingDownstream;
import dev.streamfold.time.ManualClock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * One window shard on a manual clock with in-memory output, metrics and closed streams; built on
 * first use from {@link #cfg}, so a test can change the config first. Used as a field, or as the
 * base class of a test that works on one shard throughout.
 */
class OneShard {
  final ManualClock clock = new ManualClock();
  final RecordingDownstream out = new RecordingDownstream();
  final InMemoryMetrics metrics = new InMemoryMetrics();
  final List<ClosedStream> closed = new CopyOnWriteArrayList<>();
  WindowConfig cfg = TestConfig.window();
  private WindowShard shard;

  WindowShard shard() {
    if (shard == null) {
      shard = new WindowShard(0, WindowSettings.of(cfg, 1), new Recognizer(cfg.rules()), out, metrics, closed::add, clock);
    }
    return shard;
  }

  /** Moves the clock on and lets the shard close what is due. */
  void advance(Duration d) {
    clock.advance(d);
    shard().tick();
  }
}
