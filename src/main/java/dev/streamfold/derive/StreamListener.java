package dev.streamfold.derive;

/**
 * Observes streams as their windows close (metrics recording). Called on window shard threads:
 * implementations must be thread-safe and must not block.
 */
@FunctionalInterface
public interface StreamListener {
  void onStreamClosed(ClosedStream stream);

  StreamListener NOOP = s -> {};
}
