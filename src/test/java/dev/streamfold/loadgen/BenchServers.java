package dev.streamfold.loadgen;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Benchmark servers, shipped in the jar:
 * {@code java -cp target/streamfold.jar dev.streamfold.loadgen.BenchServers discard|sink|forward [options]}.
 * See {@link BenchServer} for what each mode does. Prints one {@code listening} line when ready,
 * counts every {@code --print-interval} seconds if set, and the final counts on SIGTERM/SIGINT.
 * {@code --http-port} serves {@code GET /stats} (JSON) and {@code POST|GET /reset}.
 */
public final class BenchServers {
  private BenchServers() {}

  static final String USAGE = String.join("\n",
      "usage: BenchServers discard|sink|forward [options]",
      "  discard   parse OTLP/gRPC traces/logs/metrics, answer OK, count",
      "  sink      as discard, plus condensed-span counts and the delay histogram",
      "            (arrival - loadgen.sent_unix_nano of spans carrying llm_stream.ttft_ms)",
      "  forward   parse and forward each request unchanged to --downstream, answer with its answer",
      "  --host H              bind address (default 127.0.0.1)",
      "  --port N              OTLP/gRPC port (default 14317; 0 = ephemeral, printed)",
      "  --http-port N         serve GET /stats and /reset on 127.0.0.1:N (default off)",
      "  --downstream H:P      forward target (forward mode)",
      "  --in-flight N         forward: max requests in flight downstream (default 256)",
      "  --print-interval S    print counts every S seconds (default 0 = only at exit)");

  public static void main(String[] args) throws Exception {
    int rc = execute(args, System.out, new CountDownLatch(1));
    if (rc != 0) {
      System.exit(rc);
    }
  }

  /** Runs until {@code stop} opens or the JVM is told to exit; returns the exit code. */
  static int execute(String[] args, PrintStream out, CountDownLatch stop) throws Exception {
    if (args.length == 0 || args[0].equals("--help") || args[0].equals("-h")) {
      out.println(USAGE);
      return args.length == 0 ? 2 : 0;
    }
    BenchServer.Mode mode;
    try {
      mode = BenchServer.Mode.valueOf(args[0].toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      System.err.println("BenchServers: unknown mode '" + args[0] + "'\n" + USAGE);
      return 2;
    }
    String host = "127.0.0.1";
    int port = 14317;
    int httpPort = -1;
    String downstream = null;
    int inFlight = 256;
    double printInterval = 0;
    try {
      for (int i = 1; i < args.length; i++) {
        String a = args[i];
        if (i + 1 >= args.length) {
          throw new IllegalArgumentException(a + " needs a value");
        }
        String v = args[++i];
        switch (a) {
          case "--host" -> host = v;
          case "--port" -> port = Integer.parseInt(v);
          case "--http-port" -> httpPort = Integer.parseInt(v);
          case "--downstream" -> downstream = v;
          case "--in-flight" -> inFlight = Integer.parseInt(v);
          case "--print-interval" -> printInterval = Double.parseDouble(v);
          default -> throw new IllegalArgumentException("unknown option '" + a + "'");
        }
      }
      if (mode == BenchServer.Mode.FORWARD && downstream == null) {
        throw new IllegalArgumentException("forward needs --downstream host:port");
      }
      if (inFlight <= 0) {
        throw new IllegalArgumentException("--in-flight must be > 0");
      }
    } catch (IllegalArgumentException e) {
      System.err.println("BenchServers: " + e.getMessage() + "\n" + USAGE);
      return 2;
    }
    BenchServer server = new BenchServer(mode, host, port, downstream, inFlight).start();
    HttpServer http = httpPort >= 0 ? statsHttp(httpPort, server::statsJson, server::reset) : null;
    out.printf(Locale.ROOT, "BenchServers %s listening on %s:%d%s%n", args[0], host, server.port(),
        http == null ? "" : " stats on http://127.0.0.1:" + http.getAddress().getPort() + "/stats");
    out.flush();
    ScheduledExecutorService printer = null;
    if (printInterval > 0) {
      printer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "bench-print");
        t.setDaemon(true);
        return t;
      });
      long ms = (long) (printInterval * 1000);
      printer.scheduleAtFixedRate(() -> {
        out.println(server.statsJson());
        out.flush();
      }, ms, ms, TimeUnit.MILLISECONDS);
    }
    CountDownLatch closed = new CountDownLatch(1);
    Thread hook = new Thread(() -> {
      stop.countDown();
      try {
        closed.await(10, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }, "bench-shutdown");
    Runtime.getRuntime().addShutdownHook(hook);
    try {
      stop.await();
    } finally {
      if (printer != null) {
        printer.shutdownNow();
      }
      out.println(server.statsJson());
      out.flush();
      if (http != null) {
        http.stop(0);
      }
      server.close();
      closed.countDown();
      try {
        Runtime.getRuntime().removeShutdownHook(hook);
      } catch (IllegalStateException shuttingDown) {
        // the hook is running and has been released
      }
    }
    return 0;
  }

  /** A loopback HTTP server: {@code /stats} answers the JSON, {@code /reset} resets then answers it. */
  static HttpServer statsHttp(int port, Supplier<String> json, Runnable reset) throws IOException {
    HttpServer http = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 16);
    http.createContext("/stats", ex -> answer(ex, json.get()));
    http.createContext("/reset", ex -> {
      reset.run();
      answer(ex, json.get());
    });
    http.start();
    return http;
  }

  private static void answer(HttpExchange ex, String body) throws IOException {
    byte[] b = (body + "\n").getBytes(StandardCharsets.UTF_8);
    ex.getResponseHeaders().add("Content-Type", "application/json");
    ex.sendResponseHeaders(200, b.length);
    try (OutputStream os = ex.getResponseBody()) {
      os.write(b);
    }
  }
}
