package dev.streamfold.pipeline;

import java.time.Duration;

/**
 * A pipeline stage with a lifecycle. {@link #start()} is called once before any data flows;
 * {@link #shutdown(Duration)} once, after which the component releases its threads and
 * sockets, finishing or failing in-flight work within the timeout.
 */
public interface Component {
  default void start() throws Exception {}

  void shutdown(Duration timeout);
}
