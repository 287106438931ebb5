package dev.streamfold.app;

import static org.assertj.core.api.Assertions.assertThat;

import dev.streamfold.telemetry.InMemoryMetrics;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class FatalErrorHandlerTest {
  private final AtomicInteger halted = new AtomicInteger(-1);
  private final CountDownLatch stopped = new CountDownLatch(1);

  private FatalErrorHandler handler() {
    return new FatalErrorHandler(stopped::countDown, Duration.ofSeconds(30), new InMemoryMetrics(), halted::set);
  }

  @Test
  void outOfMemoryAnywhereHaltsWithExitCode3() {
    FatalErrorHandler h = handler();
    h.uncaughtException(new Thread("streamfold-otlp-grpc-1"), new OutOfMemoryError("Java heap space"));
    assertThat(halted.get()).isEqualTo(FatalErrorHandler.EXIT_VM_ERROR);
    assertThat(stopped.getCount()).isEqualTo(1);
  }

  @Test
  void anOutOfMemoryWrappedAsTheCauseStillHalts() {
    FatalErrorHandler h = handler();
    h.uncaughtException(new Thread("x"), new IllegalStateException("wrapped", new OutOfMemoryError("Direct buffer memory")));
    assertThat(halted.get()).isEqualTo(FatalErrorHandler.EXIT_VM_ERROR);
  }

  @Test
  void aDeadWindowThreadStopsTheServiceWithANonZeroExitCode() throws Exception {
    FatalErrorHandler h = handler();
    assertThat(h.exitCode()).isZero();
    h.uncaughtException(new Thread("streamfold-window-0"), new IllegalStateException("bug"));
    assertThat(stopped.await(10, TimeUnit.SECONDS)).isTrue();
    assertThat(h.exitCode()).isEqualTo(FatalErrorHandler.EXIT_THREAD_DIED);
    assertThat(h.failures("streamfold-window")).isEqualTo(1);
    assertThat(halted.get()).isEqualTo(-1); // the orderly stop finished in time
  }

  @Test
  void aPoolWorkerIsCountedAndTheServiceGoesOn() {
    FatalErrorHandler h = handler();
    h.uncaughtException(new Thread("streamfold-otlp-http-3"), new IllegalStateException("bug"));
    h.uncaughtException(new Thread("streamfold-otlp-http-4"), new IllegalStateException("bug"));
    assertThat(h.failures("streamfold-otlp-http")).isEqualTo(2);
    assertThat(h.exitCode()).isZero();
    assertThat(stopped.getCount()).isEqualTo(1);
    assertThat(halted.get()).isEqualTo(-1);
  }

  @Test
  void aStopThatHangsIsHaltedAfterItsBound() throws Exception {
    CountDownLatch haltedLatch = new CountDownLatch(1);
    AtomicInteger code = new AtomicInteger();
    FatalErrorHandler h =
        new FatalErrorHandler(() -> {
          try {
            new CountDownLatch(1).await(); // a stop that never returns
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
        }, Duration.ofMillis(-4900), new InMemoryMetrics(), c -> {
          code.set(c);
          haltedLatch.countDown();
        });
    h.uncaughtException(new Thread("streamfold-export-0"), new IllegalStateException("bug"));
    assertThat(haltedLatch.await(10, TimeUnit.SECONDS)).isTrue();
    assertThat(code.get()).isEqualTo(FatalErrorHandler.EXIT_THREAD_DIED);
  }

  @Test
  void threadKindDropsTheIndex() {
    assertThat(FatalErrorHandler.kind("streamfold-window-12")).isEqualTo("streamfold-window");
    assertThat(FatalErrorHandler.kind("main")).isEqualTo("main");
    assertThat(FatalErrorHandler.kind("42")).isEqualTo("unnamed");
  }
}
