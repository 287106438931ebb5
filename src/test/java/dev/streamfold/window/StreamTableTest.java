package dev.streamfold.window;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class StreamTableTest {
  @Test
  void behavesLikeAMapUnderRandomInsertsAndRemovals() {
    Random rnd = new Random(42);
    StreamTable table = new StreamTable();
    Map<StreamKey, StreamState> model = new HashMap<>();
    List<StreamKey> live = new ArrayList<>();
    for (int op = 0; op < 200_000; op++) {
      if (live.isEmpty() || rnd.nextInt(10) < 6) {
        // few distinct trace ids and small stream ids: many collisions and long probe runs
        StreamKey k = new StreamKey(rnd.nextInt(4), rnd.nextInt(8), 1 + rnd.nextInt(5000));
        if (model.containsKey(k)) {
          continue;
        }
        StreamState st = new StreamState(k, 0);
        table.put(st);
        model.put(k, st);
        live.add(k);
      } else {
        StreamKey k = live.remove(rnd.nextInt(live.size()));
        table.remove(k.traceHi, k.traceLo, k.streamId);
        model.remove(k);
      }
      if (op % 1000 == 0) {
        for (Map.Entry<StreamKey, StreamState> e : model.entrySet()) {
          StreamKey k = e.getKey();
          assertThat(table.get(k.traceHi, k.traceLo, k.streamId)).isSameAs(e.getValue());
        }
        assertThat(table.get(9, 9, 9)).isNull();
      }
      assertThat(table.size()).isEqualTo(model.size());
    }
    for (StreamKey k : model.keySet()) {
      assertThat(table.get(k.traceHi, k.traceLo, k.streamId)).isSameAs(model.get(k));
    }
  }

  @Test
  void removingAMissingKeyChangesNothing() {
    StreamTable table = new StreamTable();
    StreamState st = new StreamState(new StreamKey(1, 2, 3), 0);
    table.put(st);
    table.remove(1, 2, 4);
    assertThat(table.size()).isEqualTo(1);
    assertThat(table.get(1, 2, 3)).isSameAs(st);
  }
}
