package dev.streamfold.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

class WindowConfigTest {
  final ConfigLoader loader = new ConfigLoader(Map.<String, String>of()::get);

  @Test
  void maxPendingItemsIsAWindowKey() throws Exception {
    assertThat(loader.loadDefault().window().maxPendingItems()).isEqualTo(dev.streamfold.limiter.HeapBudget.maxPendingItems());
    assertThat(loader.parse("window:\n  max_pending_items: 1234\n").window().maxPendingItems()).isEqualTo(1234);
    assertThatThrownBy(() -> loader.parse("window:\n  max_pending_items: 0\n"))
        .hasMessageContaining("window.max_pending_items: must be > 0");
  }

  @Test
  void oldReceiverKeyStillSetsTheWindowBound() throws Exception {
    StreamfoldConfig c = loader.parse("receivers:\n  otlp:\n    max_pending_items: 777\n");
    assertThat(c.window().maxPendingItems()).isEqualTo(777);
    assertThatThrownBy(() -> loader.parse("receivers:\n  otlp:\n    max_pending_items: -1\n"))
        .hasMessageContaining("receivers.otlp.max_pending_items: must be > 0");
  }

  @Test
  void bothKeysWithDifferentValuesAreAnError() {
    assertThatThrownBy(() -> loader.parse("receivers:\n  otlp:\n    max_pending_items: 777\nwindow:\n  max_pending_items: 888\n"))
        .hasMessageContaining("receivers.otlp.max_pending_items")
        .hasMessageContaining("set only window.max_pending_items");
  }
}
