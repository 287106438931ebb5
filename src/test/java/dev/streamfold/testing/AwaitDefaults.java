package dev.streamfold.testing;

import java.time.Duration;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Registered for every test class (src/test/resources/junit-platform.properties): an
 * {@code await()} without its own {@code atMost} waits up to 60 s instead of Awaitility's 10 s.
 * The waits are for conditions, never durations, so a passing test is as fast as before; the
 * longer bound only keeps a test on a shared, loaded 2-core machine from failing on a slow
 * scheduler rather than on wrong behaviour.
 */
public final class AwaitDefaults implements BeforeAllCallback {
  static final Duration TIMEOUT = Duration.ofSeconds(60);

  @Override
  public void beforeAll(ExtensionContext context) {
    Awaitility.setDefaultTimeout(TIMEOUT);
  }
}
