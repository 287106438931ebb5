package dev.streamfold.limiter;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.util.ArrayList;
import java.util.List;

/**
 * Retained heap as the memory limiter sees it: what survived at least one young collection
 * (old generation plus survivor spaces), against the heap that can hold it (max heap minus the
 * eden). Eden is left out on purpose: it is full of garbage most of the time under load, and
 * counting it would refuse data that a young collection frees at no cost.
 */
public interface HeapGauge {
  /** Bytes of retained heap now. */
  long used();

  /** Bytes the retained heap may grow to. */
  long capacity();

  /** Forces a full collection (System.gc()). */
  void collect();

  /** The JVM's heap pools; works with Serial, Parallel and G1 pool names. */
  static HeapGauge jvm() {
    List<MemoryPoolMXBean> retained = new ArrayList<>();
    long eden = 0;
    for (MemoryPoolMXBean p : ManagementFactory.getMemoryPoolMXBeans()) {
      if (p.getType() != MemoryType.HEAP) {
        continue;
      }
      if (p.getName().contains("Eden")) {
        eden = Math.max(0, p.getUsage().getMax());
      } else {
        retained.add(p);
      }
    }
    long capacity = Math.max(1, Runtime.getRuntime().maxMemory() - eden);
    MemoryPoolMXBean[] pools = retained.toArray(new MemoryPoolMXBean[0]);
    return new HeapGauge() {
      @Override
      public long used() {
        long n = 0;
        for (MemoryPoolMXBean p : pools) {
          n += p.getUsage().getUsed();
        }
        return n;
      }

      @Override
      public long capacity() {
        return capacity;
      }

      @Override
      public void collect() {
        System.gc();
      }
    };
  }
}
