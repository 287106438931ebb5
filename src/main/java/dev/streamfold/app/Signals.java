package dev.streamfold.app;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sun.misc.Signal;

/**
 * SIGTERM / SIGINT handling: the first signal starts the orderly shutdown on its own thread; a
 * second one exits at once. A shutdown timeout that passes also exits (the drain is bounded by
 * {@code service.shutdown.timeout} plus the accept grace). SIGHUP runs the config reload on its
 * own thread and never stops the process (the JVM's default for SIGHUP is to exit with 129).
 */
final class Signals {
  private static final Logger log = LoggerFactory.getLogger(Signals.class);

  private Signals() {}

  /**
   * SIGHUP runs {@code onHangup} on its own thread. Installed right after the config is loaded,
   * before start-up, so that a SIGHUP during start-up does not kill the JVM either.
   */
  static void installHangup(Runnable onHangup) {
    try {
      Signal.handle(new Signal("HUP"), sig -> {
        Thread t = new Thread(() -> {
          try {
            onHangup.run();
          } catch (RuntimeException e) {
            log.error("SIGHUP: config reload failed, still running the previous config: {}", e.toString());
          }
        }, "streamfold-reload");
        t.setDaemon(true);
        t.start();
      });
    } catch (IllegalArgumentException e) {
      log.debug("cannot handle SIGHUP: {}", e.getMessage());
    }
  }

  /**
   * @param bound how long an orderly shutdown may take (accept grace + drain timeout); past it
   *     (plus a margin) the process exits anyway
   */
  static void install(Service service, Duration bound) {
    AtomicInteger count = new AtomicInteger();
    for (String name : new String[] {"TERM", "INT"}) {
      try {
        Signal.handle(new Signal(name), sig -> {
          if (count.incrementAndGet() > 1) {
            log.warn("second SIG{}: exiting now", name);
            Runtime.getRuntime().halt(0);
          }
          Thread t = new Thread(service::stop, "streamfold-shutdown");
          t.start();
          Thread watchdog = new Thread(() -> {
            try {
              t.join(bound.plusSeconds(5).toMillis());
            } catch (InterruptedException e) {
              return;
            }
            if (t.isAlive()) {
              log.error("shutdown did not finish within {}: exiting", bound.plusSeconds(5));
              Runtime.getRuntime().halt(0);
            }
          }, "streamfold-shutdown-watchdog");
          watchdog.setDaemon(true);
          watchdog.start();
        });
      } catch (IllegalArgumentException e) {
        log.debug("cannot handle SIG{}: {}", name, e.getMessage());
      }
    }
  }
}
