package dev.streamfold.app;

import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sun.misc.Signal;

/**
 * SIGTERM / SIGINT handling: the first signal starts the orderly shutdown on its own thread; a
 * second one exits at once. A shutdown timeout that passes also exits (the drain is bounded by
 * {@code service.shutdown.timeout} plus the accept grace).
 */
final class Signals {
  private static final Logger log = LoggerFactory.getLogger(Signals.class);

  private Signals() {}

  static void install(Service service) {
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
        });
      } catch (IllegalArgumentException e) {
        log.debug("cannot handle SIG{}: {}", name, e.getMessage());
      }
    }
  }
}
