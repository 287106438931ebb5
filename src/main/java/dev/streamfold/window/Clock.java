package dev.streamfold.window;

/**
 * Arrival-time clock for all window timing (grace, idle, max age, expiry). Monotonic
 * nanoseconds; never compared with timestamps inside the data.
 */
@FunctionalInterface
public interface Clock {
  long nanos();

  Clock SYSTEM = System::nanoTime;
}
