package dev.streamfold.window;

import static dev.streamfold.testing.Otlp.*;
import static org.assertj.core.api.Assertions.assertThat;

import dev.streamfold.config.TestConfig;
import dev.streamfold.config.WindowConfig;
import dev.streamfold.telemetry.InMemoryMetrics;
import dev.streamfold.time.ManualClock;
import dev.streamfold.testing.RecordingDownstream;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The memory limiter's hook into the window: shedding recently-closed keys and open streams. */
class ShedTest {
  final ManualClock clock = new ManualClock();
  final RecordingDownstream out = new RecordingDownstream();
  final WindowConfig cfg = TestConfig.window();

  @Test
  void shedClosesTheLeastRecentlyActiveShareAsEvictedAndForgetsTheOldestKeys() {
    WindowShard shard = new WindowShard(0, WindowSettings.of(cfg, 1), new Recognizer(cfg.rules()), out, new InMemoryMetrics(), s -> {}, clock);
    for (int t = 0; t < 8; t++) {
      shard.onTraces(traces(chunk(trace(t), id(t), 100 + t, 0, 0, 1)));
      clock.advance(Duration.ofMillis(1));
    }
    long[] first = shard.shed(0.25);
    assertThat(first).containsExactly(0, 2); // no closed keys yet; 2 of 8 streams
    assertThat(shard.openStreams()).isEqualTo(6);
    assertThat(out.allSpans()).hasSize(2).allSatisfy(s -> assertThat(str(s, "llm_stream.end_reason")).isEqualTo("evicted"));
    assertThat(out.allSpans()).extracting(s -> s.getTraceId()).containsExactlyInAnyOrder(trace(0), trace(1));
    assertThat(shard.recentlyClosed()).isEqualTo(2);
    long[] second = shard.shed(0.5);
    assertThat(second).containsExactly(1, 3); // half the 2 keys, half the 6 streams
    assertThat(shard.recentlyClosed()).isEqualTo(1 + 3);
    assertThat(shard.openStreams()).isEqualTo(3);
  }
}
