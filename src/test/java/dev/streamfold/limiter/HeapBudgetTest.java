package dev.streamfold.limiter;

import static org.assertj.core.api.Assertions.assertThat;

import dev.streamfold.config.ConfigLoader;
import dev.streamfold.config.StreamfoldConfig;
import dev.streamfold.config.TestConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HeapBudgetTest {
  static final long MIB = 1024 * 1024;

  @Test
  void boundsFollowTheHeapAndStayInsideHalfOfIt() {
    long heap = 128 * MIB;
    assertThat(HeapBudget.windowBudgetMib(heap)).isEqualTo(25);
    assertThat(HeapBudget.maxOpenStreams(heap)).isEqualTo(26_214);
    assertThat(HeapBudget.maxPendingItems(heap)).isEqualTo(3_932);
    assertThat(HeapBudget.queueCapacityItems(heap)).isEqualTo(19_660);
    assertThat(HeapBudget.recentlyClosedKeys(heap)).isEqualTo(8_738);
    StreamfoldConfig cfg = derived(heap);
    assertThat(HeapBudget.warnings(cfg, heap)).isEmpty();
    // twice the heap, twice the bounds
    assertThat(HeapBudget.maxPendingItems(2 * heap)).isEqualTo(7_864);
  }

  @Test
  void largeHeapsReachTheOldFixedDefaults() {
    long heap = 16 * 1024 * MIB;
    assertThat(HeapBudget.windowBudgetMib(heap)).isEqualTo(256);
    assertThat(HeapBudget.maxOpenStreams(heap)).isEqualTo(100_000);
    assertThat(HeapBudget.maxPendingItems(heap)).isEqualTo(500_000);
    assertThat(HeapBudget.queueCapacityItems(heap)).isEqualTo(200_000);
  }

  @Test
  void theOldFixedDefaultsCannotFitASmallHeapAndTheWarningNamesTheKeys() {
    StreamfoldConfig cfg = TestConfig.of("window.memory_budget_mib=256", "window.max_open_streams=100000",
        "window.max_pending_items=500000", "exporter.queue.capacity_items=200000");
    assertThat(HeapBudget.warnings(cfg, 256 * MIB))
        .singleElement()
        .asString()
        .contains("window.memory_budget_mib", "window.max_pending_items", "exporter.queue.capacity_items", "256 MiB max heap");
  }

  @Test
  void anExplicitValueWinsOverTheDerivedDefault(@TempDir Path dir) throws Exception {
    Path f = dir.resolve("c.yaml");
    Files.writeString(f, "window:\n  max_open_streams: 1234\n  max_pending_items: 777\n");
    StreamfoldConfig cfg = new ConfigLoader().load(f);
    assertThat(cfg.window().maxOpenStreams()).isEqualTo(1234);
    assertThat(cfg.window().maxPendingItems()).isEqualTo(777);
    // unset: derived from this JVM's heap
    assertThat(cfg.window().memoryBudgetMib()).isEqualTo(HeapBudget.windowBudgetMib(HeapBudget.maxHeap()));
    assertThat(cfg.exporter().queue().capacityItems()).isEqualTo(HeapBudget.queueCapacityItems(HeapBudget.maxHeap()));
  }

  private static StreamfoldConfig derived(long heap) {
    return TestConfig.of(
        "window.memory_budget_mib=" + HeapBudget.windowBudgetMib(heap),
        "window.max_open_streams=" + HeapBudget.maxOpenStreams(heap),
        "window.recently_closed.max_keys=" + HeapBudget.recentlyClosedKeys(heap),
        "window.max_pending_items=" + HeapBudget.maxPendingItems(heap),
        "exporter.queue.capacity_items=" + HeapBudget.queueCapacityItems(heap));
  }
}
