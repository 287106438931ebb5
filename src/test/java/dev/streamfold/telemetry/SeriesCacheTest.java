package dev.streamfold.telemetry;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class SeriesCacheTest {
  @Test
  void neverCreatesMoreThanTheCapUnderContention() throws Exception {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    Counter overflowed = registry.counter("overflowed");
    AtomicInteger created = new AtomicInteger();
    Object overflowMeter = new Object();
    AtomicInteger overflowCreated = new AtomicInteger();
    SeriesCache<Integer, Object> cache = new SeriesCache<>(100,
        k -> {
          created.incrementAndGet();
          return new Object();
        },
        () -> {
          overflowCreated.incrementAndGet();
          return overflowMeter;
        },
        overflowed);
    int threads = 4;
    int keys = 1000;
    Set<Object> seen = ConcurrentHashMap.newKeySet();
    List<Thread> workers = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      int offset = t;
      workers.add(new Thread(() -> {
        for (int i = 0; i < keys; i++) {
          seen.add(cache.get((i + offset * 250) % keys, 1));
        }
      }));
    }
    workers.forEach(Thread::start);
    for (Thread w : workers) {
      w.join();
    }

    assertThat(cache.size()).isEqualTo(100);
    assertThat(created.get()).isEqualTo(100);
    assertThat(overflowCreated.get()).isEqualTo(1);
    assertThat(seen).hasSize(101);
    // every get that did not hit one of the 100 series counted as overflowed
    assertThat(overflowed.count()).isEqualTo(threads * keys - countHits(cache, keys, threads));
  }

  private static long countHits(SeriesCache<Integer, Object> cache, int keys, int threads) {
    Object overflow = cache.get(-1, 0);
    long hitsPerThread = 0;
    for (int i = 0; i < keys; i++) {
      if (cache.get(i, 0) != overflow) {
        hitsPerThread++;
      }
    }
    return hitsPerThread * threads;
  }

  @Test
  void aKnownLabelSetKeepsItsMeterAfterTheCap() {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    Counter overflowed = registry.counter("overflowed");
    SeriesCache<String, String> cache = new SeriesCache<>(1, k -> "meter-" + k, () -> "overflow", overflowed);

    assertThat(cache.get("a", 1)).isEqualTo("meter-a");
    assertThat(cache.get("b", 3)).isEqualTo("overflow");
    assertThat(cache.get("a", 1)).isEqualTo("meter-a");
    assertThat(overflowed.count()).isEqualTo(3);
  }

  @Test
  void aFailedCreationDoesNotUseUpTheCap() {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    SeriesCache<String, String> cache = new SeriesCache<>(1,
        k -> {
          if (k.equals("bad")) {
            throw new IllegalStateException("boom");
          }
          return "meter-" + k;
        },
        () -> "overflow", registry.counter("o"));

    try {
      cache.get("bad", 1);
    } catch (IllegalStateException expected) {
      // the caller sees the failure
    }

    assertThat(cache.size()).isZero();
    assertThat(cache.get("good", 1)).isEqualTo("meter-good");
  }
}
