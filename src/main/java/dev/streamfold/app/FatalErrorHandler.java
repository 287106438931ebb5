package dev.streamfold.app;

import com.sun.management.HotSpotDiagnosticMXBean;
import dev.streamfold.telemetry.PipelineMetrics;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Never half-dead: the default handler of uncaught exceptions.
 *
 * <ul>
 *   <li>A {@link VirtualMachineError} (OutOfMemoryError, StackOverflowError, InternalError) in
 *       any thread halts the process at once with exit code {@value #EXIT_VM_ERROR}: after one,
 *       no thread can be trusted to make progress, and an orchestrator restarts a process that
 *       exits. The JVM flag {@code -XX:+ExitOnOutOfMemoryError} (config/jvm.options, the image)
 *       does the same for errors that code catches before they get here.
 *   <li>Any other exception that ends a thread is logged and counted
 *       ({@code streamfold_thread_failures_total{thread}}). A worker of a thread pool (receivers,
 *       health, metrics and HTTP export pools) is replaced by its pool, so the service goes on.
 *       Any other thread (window shards, export consumers, timers) is not replaced: the service
 *       stops (readiness 503, drain) and the process exits with {@value #EXIT_THREAD_DIED}; a
 *       drain that overruns its bound halts.
 * </ul>
 */
public final class FatalErrorHandler implements Thread.UncaughtExceptionHandler {
  private static final Logger log = LoggerFactory.getLogger(FatalErrorHandler.class);
  /** Exit code on a VirtualMachineError; the same as -XX:+ExitOnOutOfMemoryError's. */
  public static final int EXIT_VM_ERROR = 3;
  /** Exit code when a thread that no pool replaces died (EX_SOFTWARE). */
  public static final int EXIT_THREAD_DIED = 70;
  /** Name prefixes of threads owned by a ThreadPoolExecutor, which replaces a worker that died. */
  private static final String[] POOL_WORKERS = {
    "streamfold-health", "streamfold-metrics-http-", "streamfold-export-http-", "streamfold-otlp-grpc-", "streamfold-otlp-http-"
  };

  /** How the process ends; {@link Runtime#halt} outside tests. */
  interface Exit {
    void halt(int code);
  }

  private final Runnable stop;
  private final Duration stopBound;
  private final PipelineMetrics metrics;
  private final Exit exit;
  private final Map<String, AtomicLong> failures = new ConcurrentHashMap<>();
  private volatile int exitCode;

  FatalErrorHandler(Runnable stop, Duration stopBound, PipelineMetrics metrics, Exit exit) {
    this.stop = stop;
    this.stopBound = stopBound;
    this.metrics = metrics;
    this.exit = exit;
  }

  /**
   * Installs the handler for every thread of the process; {@code stopBound} is how long an
   * orderly stop may take (accept grace + drain timeout).
   */
  public static FatalErrorHandler install(Service service, Duration stopBound) {
    FatalErrorHandler h = new FatalErrorHandler(service::stop, stopBound, service.telemetry().pipelineMetrics(), Runtime.getRuntime()::halt);
    Thread.setDefaultUncaughtExceptionHandler(h);
    if (!exitsOnOutOfMemory()) {
      log.warn("the JVM runs without -XX:+ExitOnOutOfMemoryError: an OutOfMemoryError that code catches "
          + "could leave the process running half-dead; start it with 'java @config/jvm.options -jar ...' (README)");
    }
    return h;
  }

  /** 0 while nothing failed; the code the process should exit with after a failure-triggered stop. */
  public int exitCode() {
    return exitCode;
  }

  @Override
  public void uncaughtException(Thread t, Throwable e) {
    if (isVmError(e)) {
      // allocate as little as possible: the heap may be exhausted
      try {
        System.err.println("streamfold: fatal " + e.getClass().getName() + " in thread " + t.getName() + ": exiting");
      } finally {
        exit.halt(EXIT_VM_ERROR);
      }
      return;
    }
    String kind = kind(t.getName());
    failures.computeIfAbsent(kind, k -> {
      AtomicLong n = new AtomicLong();
      metrics.counter("streamfold.thread.failures", "Threads ended by an uncaught exception", n::get, "thread", k);
      return n;
    }).incrementAndGet();
    if (replacedByPool(t.getName())) {
      log.error("uncaught exception in thread {} (counted; its pool starts a new worker)", t.getName(), e);
      return;
    }
    log.error("uncaught exception ended thread {}, which nothing restarts: stopping the service (exit {})", t.getName(), EXIT_THREAD_DIED, e);
    if (exitCode != 0) {
      return; // already stopping
    }
    exitCode = EXIT_THREAD_DIED;
    Thread stopper = new Thread(stop, "streamfold-fatal-stop");
    stopper.setDaemon(true);
    stopper.start();
    Thread watchdog = new Thread(() -> {
      try {
        stopper.join(stopBound.plusSeconds(5).toMillis());
      } catch (InterruptedException ie) {
        Thread.currentThread().interrupt();
      }
      if (stopper.isAlive()) {
        log.error("stop after a thread failure did not finish within {}: exiting", stopBound.plusSeconds(5));
        exit.halt(EXIT_THREAD_DIED);
      }
    }, "streamfold-fatal-watchdog");
    watchdog.setDaemon(true);
    watchdog.start();
  }

  long failures(String kind) {
    AtomicLong n = failures.get(kind);
    return n == null ? 0 : n.get();
  }

  static boolean isVmError(Throwable e) {
    for (int depth = 0; e != null && depth < 16; depth++, e = e.getCause()) {
      if (e instanceof VirtualMachineError) {
        return true;
      }
    }
    return false;
  }

  static boolean replacedByPool(String threadName) {
    for (String p : POOL_WORKERS) {
      if (threadName.startsWith(p)) {
        return true;
      }
    }
    return false;
  }

  /** The thread's name without its trailing index ("streamfold-window-0" -> "streamfold-window"). */
  static String kind(String threadName) {
    int end = threadName.length();
    while (end > 0 && Character.isDigit(threadName.charAt(end - 1))) {
      end--;
    }
    while (end > 0 && (threadName.charAt(end - 1) == '-' || threadName.charAt(end - 1) == '#')) {
      end--;
    }
    return end == 0 ? "unnamed" : threadName.substring(0, end);
  }

  static boolean exitsOnOutOfMemory() {
    try {
      HotSpotDiagnosticMXBean hs = ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class);
      return Boolean.parseBoolean(hs.getVMOption("ExitOnOutOfMemoryError").getValue())
          || Boolean.parseBoolean(hs.getVMOption("CrashOnOutOfMemoryError").getValue());
    } catch (RuntimeException | LinkageError e) {
      return false;
    }
  }
}
