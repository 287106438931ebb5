package dev.streamfold.debug;

import dev.streamfold.config.DebugConfig;
import dev.streamfold.config.TestConfig;
import dev.streamfold.config.WindowConfig;
import dev.streamfold.time.Clock;
import dev.streamfold.window.StreamWindowBenchmark;
import dev.streamfold.window.WindowObserver;

/**
 * {@link StreamWindowBenchmark} with the debug page's {@link DebugState} observing the window:
 * run both in one JMH run and compare, e.g. {@code bench/jmh.sh 'StreamWindowBenchmark|DebugPageBenchmark' -p shards=1}.
 */
public class DebugPageBenchmark extends StreamWindowBenchmark {
  @Override
  protected WindowObserver observer(WindowConfig cfg) {
    return new DebugState(TestConfig.service().debug(), Clock.SYSTEM, () -> 0);
  }
}
