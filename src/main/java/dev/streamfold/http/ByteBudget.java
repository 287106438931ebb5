package dev.streamfold.http;

import java.util.concurrent.atomic.AtomicLong;

/** A shared bound on buffered request-body bytes. Thread-safe. */
public final class ByteBudget {
  private final long capacity;
  private final AtomicLong used = new AtomicLong();

  public ByteBudget(long capacity) {
    if (capacity <= 0) {
      throw new IllegalArgumentException("capacity must be > 0");
    }
    this.capacity = capacity;
  }

  /** Takes {@code n} bytes if they fit. */
  boolean tryReserve(long n) {
    while (true) {
      long u = used.get();
      if (u + n > capacity) {
        return false;
      }
      if (used.compareAndSet(u, u + n)) {
        return true;
      }
    }
  }

  void release(long n) {
    used.addAndGet(-n);
  }

  public long used() {
    return used.get();
  }

  public long capacity() {
    return capacity;
  }
}
