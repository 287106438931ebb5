package dev.streamfold.app;

import dev.streamfold.config.StreamfoldConfig;
import dev.streamfold.limiter.HeapBudget;
import dev.streamfold.limiter.HeapGauge;
import dev.streamfold.limiter.LimitedIngress;
import dev.streamfold.limiter.MemoryLimiter;
import dev.streamfold.pipeline.Ingress;
import dev.streamfold.telemetry.PipelineMetrics;
import dev.streamfold.window.StreamWindow;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Wires the memory limiter in front of the window and reports bounds that cannot fit the heap. */
final class MemoryLimits {
  private static final Logger log = LoggerFactory.getLogger(MemoryLimits.class);

  private MemoryLimits() {}

  /** The ingress receivers hand requests to: the window, behind the limiter when it is enabled. */
  static Ingress guard(StreamfoldConfig cfg, StreamWindow window, PipelineMetrics metrics) {
    warnings(cfg).forEach(w -> log.warn("{}", w));
    if (!cfg.service().memoryLimiter().enabled()) {
      return window;
    }
    MemoryLimiter limiter = new MemoryLimiter(cfg.service().memoryLimiter(), HeapGauge.jvm(), window::shed, System::nanoTime).register(metrics);
    metrics.counter("streamfold.memory_limiter.shed", "State shed by the memory limiter over its hard limit", window::shedStreams, "state", "open_streams");
    metrics.counter("streamfold.memory_limiter.shed", "State shed by the memory limiter over its hard limit", window::shedKeys, "state", "recently_closed_keys");
    return new LimitedIngress(limiter, window);
  }

  /** Bounds in force that cannot fit this JVM's heap (HeapBudget), as sentences. */
  static List<String> warnings(StreamfoldConfig cfg) {
    return HeapBudget.warnings(cfg, HeapBudget.maxHeap());
  }
}
