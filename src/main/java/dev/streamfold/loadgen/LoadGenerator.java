package dev.streamfold.loadgen;

import io.grpc.Status;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;

/**
 * {@code streamfold loadgen}: sends synthetic LLM streaming telemetry in the shapes of SPEC 1.2
 * over OTLP/gRPC and reports what the receiver accepted. See {@code --help} and bench/README.md.
 *
 * <p>One generator thread and one gRPC channel per {@code --connections}; the final line of the
 * output is a JSON object for scripts.
 */
public final class LoadGenerator {
  private LoadGenerator() {}

  /** CLI entry point. Exits with 2 on bad arguments, 1 when nothing was accepted, else returns. */
  public static void main(String[] args) {
    int rc = execute(args, System.out, System.err);
    if (rc != 0) {
      System.exit(rc);
    }
  }

  static int execute(String[] args, PrintStream out, PrintStream err) {
    LoadGenOptions o;
    try {
      o = LoadGenOptions.parse(args);
    } catch (LoadGenOptions.HelpRequested h) {
      out.println(LoadGenOptions.USAGE);
      return 0;
    } catch (IllegalArgumentException e) {
      err.println("loadgen: " + e.getMessage());
      return 2;
    }
    Map<Status.Code, String> errors = GrpcTransport.newErrorMap();
    AtomicBoolean stop = new AtomicBoolean();
    CountDownLatch reported = new CountDownLatch(1);
    // Ctrl-C: stop starting streams, finish the open ones, print the report, then let the JVM exit
    Thread hook = new Thread(() -> {
      stop.set(true);
      try {
        reported.await(o.deadlineMs + 15_000, TimeUnit.MILLISECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }, "loadgen-shutdown");
    Runtime.getRuntime().addShutdownHook(hook);
    try {
      RouteCounts routed = new RouteCounts();
      Function<LoadStats, Transport> transports = o.dryRun ? SerializingTransport::new
          : RoutingOptions.transports(o, stats -> new GrpcTransport(o, stats, errors),
              (endpoint, stats) -> new GrpcTransport(o, endpoint, stats, errors), routed, out);
      Result r = run(o, out, transports, stop);
      for (Map.Entry<Status.Code, String> e : errors.entrySet()) {
        err.println("loadgen: first " + e.getKey() + ": " + e.getValue());
      }
      routed.print(out);
      out.println(r.stats.summary(r.elapsedSeconds));
      out.println(r.stats.toJson(r.elapsedSeconds, o.seed));
      out.flush();
      return r.stats.get(LoadStats.SENT, LoadStats.REQUESTS) > 0 && r.stats.get(LoadStats.OK, LoadStats.REQUESTS) == 0 ? 1 : 0;
    } finally {
      reported.countDown();
      try {
        Runtime.getRuntime().removeShutdownHook(hook);
      } catch (IllegalStateException shuttingDown) {
        // the hook is running and has been released
      }
    }
  }

  /** Outcome of a run. */
  record Result(LoadStats stats, double elapsedSeconds) {}

  /**
   * Runs the workers to completion (budget, deadline or Ctrl-C) and waits for every answer.
   *
   * @param transports makes one transport per worker; all record into the given stats
   * @param stop set to stop starting streams (the open ones are finished and sent)
   */
  static Result run(LoadGenOptions o, PrintStream out, Function<LoadStats, Transport> transports, AtomicBoolean stop) {
    LoadStats stats = new LoadStats();
    int w = o.connections;
    out.printf(Locale.ROOT, "loadgen: %s shape=%s %s connections=%d in-flight=%d spans/request=%d chunks/stream=%d seed=%d%n",
        o.endpoint, o.shape == null ? "mix" : o.shape.name(),
        o.closedLoop ? "closed-loop" : "open-loop " + o.streamsPerSecond + " streams/s",
        w, o.inFlight, o.spansPerRequest, o.chunksPerStream, o.seed);
    List<Transport> ts = new ArrayList<>();
    List<LoadWorker> workers = new ArrayList<>();
    List<Thread> threads = new ArrayList<>();
    ScheduledExecutorService progress = null;
    long t0 = System.nanoTime();
    double elapsed;
    try {
      long deadline = o.durationSeconds > 0 ? t0 + (long) (o.durationSeconds * 1e9) : 0;
      for (int i = 0; i < w; i++) {
        Transport t = transports.apply(stats);
        ts.add(t);
        long budget = o.streams == 0 ? 0 : o.streams / w + (i < o.streams % w ? 1 : 0);
        if (o.streams > 0 && budget == 0) {
          continue;
        }
        double rate = o.closedLoop ? 0 : o.streamsPerSecond / w;
        LoadWorker worker = new LoadWorker(o, o.seed * 31 + i, budget, rate, deadline, t, stop);
        workers.add(worker);
        Thread th = new Thread(worker, "loadgen-" + i);
        threads.add(th);
      }
      if (o.progress) {
        progress = Executors.newSingleThreadScheduledExecutor(r -> {
          Thread th = new Thread(r, "loadgen-progress");
          th.setDaemon(true);
          return th;
        });
        long[] last = new long[4];
        long[] lastTime = {t0};
        progress.scheduleAtFixedRate(() -> {
          long now = System.nanoTime();
          double dt = (now - lastTime[0]) / 1e9;
          long spans = stats.get(LoadStats.OK, LoadStats.SPANS);
          long chunks = stats.chunkItemsOk();
          long streams = stats.get(LoadStats.OK, LoadStats.STREAMS);
          long refused = stats.get(LoadStats.REFUSED, LoadStats.REQUESTS) + stats.get(LoadStats.FAILED, LoadStats.REQUESTS);
          out.printf(Locale.ROOT, "[%6.1fs] %.0f streams/s, %.0f spans/s, %.0f chunk items/s, refused+failed requests %d%n",
              (now - t0) / 1e9, (streams - last[0]) / dt, (spans - last[1]) / dt, (chunks - last[2]) / dt, refused - last[3]);
          last[0] = streams;
          last[1] = spans;
          last[2] = chunks;
          last[3] = refused;
          lastTime[0] = now;
        }, 5, 5, TimeUnit.SECONDS);
      }
      for (Thread th : threads) {
        th.start();
      }
      for (Thread th : threads) {
        th.join();
      }
      for (Transport t : ts) {
        if (!t.awaitIdle(o.deadlineMs + 5_000)) {
          out.println("loadgen: requests still in flight after the deadline");
        }
      }
      for (LoadWorker worker : workers) {
        if (worker.failure() != null) {
          out.println("loadgen: worker failed: " + worker.failure());
        }
      }
    } catch (InterruptedException e) {
      stop.set(true);
      Thread.currentThread().interrupt();
    } finally {
      elapsed = (System.nanoTime() - t0) / 1e9;
      if (progress != null) {
        progress.shutdownNow();
      }
      for (Transport t : ts) {
        t.close();
      }
    }
    return new Result(stats, elapsed);
  }
}
