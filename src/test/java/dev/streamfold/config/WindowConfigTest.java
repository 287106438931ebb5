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

  @Test
  void chunkRulesSayWhereTheChunkIndexIs() throws Exception {
    StreamfoldConfig d = loader.loadDefault();
    assertThat(d.window().rules().chunkSpans().get(0).capturesIndex()).isTrue();
    assertThat(d.window().rules().chunkCountAttributes()).containsExactly("stream.iteration_count", "llm_stream.chunk.total");
    RuleConfig r = loader.parse("window:\n  rules:\n    chunk_logs:\n      - event_name: x\n        index_attribute: seq\n"
        + "        index_base: 1\n").window().rules().chunkLogs().get(0);
    assertThat(r.indexAttribute()).isEqualTo("seq");
    assertThat(r.indexBase()).isEqualTo(1);
    assertThatThrownBy(() -> loader.parse("window:\n  rules:\n    chunk_spans:\n      - name_regex: a\n        index_base: -1\n"))
        .hasMessageContaining("window.rules.chunk_spans[0].index_base: must be between 0 and");
    assertThatThrownBy(() -> loader.parse("window:\n  rules:\n    stream_spans:\n      - name_regex: a\n        index_attribute: seq\n"))
        .hasMessageContaining("window.rules.stream_spans[0].index_attribute: only chunk rules have a chunk index");
    assertThatThrownBy(() -> loader.parse("window:\n  rules:\n    chunk_count_attributes: ['']\n"))
        .hasMessageContaining("window.rules.chunk_count_attributes[0]: must not be empty");
  }
}
