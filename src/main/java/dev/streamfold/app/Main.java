package dev.streamfold.app;

import ch.qos.logback.classic.Level;
import dev.streamfold.config.ConfigException;
import dev.streamfold.config.ConfigLoader;
import dev.streamfold.config.StreamfoldConfig;
import dev.streamfold.time.Clock;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Arrays;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.bridge.SLF4JBridgeHandler;

/**
 * Command line: {@code streamfold [run] [--config FILE]}, {@code streamfold validate --config
 * FILE}, {@code streamfold loadgen ...}, {@code --help}, {@code --version}.
 */
public final class Main {
  static final String USAGE =
      """
      streamfold: condenses LLM streaming telemetry (one span, event or log per chunk) into one
      span per stream plus metrics. OTLP in (gRPC :4317, HTTP :4318), OTLP out, Prometheus :9464.

      usage:
        streamfold [run] [--config FILE]     run the service (embedded default config without --config)
        streamfold validate [--config FILE]  check a config file and exit (0 = valid, 2 = invalid)
        streamfold print-default-config      print the embedded default config
        streamfold loadgen [options]         send synthetic LLM streams over OTLP/gRPC (loadgen --help)
        streamfold --help | --version

      Config: YAML, ${env:VAR} and ${env:VAR:-default} are expanded; see README.md.
      Signals: SIGTERM/SIGINT drain and exit 0 (a second one exits at once).
      """;

  private Main() {}

  public static void main(String[] args) throws Exception {
    System.exit(run(args, System.out, System.err));
  }

  static int run(String[] args, PrintStream out, PrintStream err) throws Exception {
    String cmd = "run";
    int i = 0;
    if (args.length > 0 && !args[0].startsWith("-")) {
      cmd = args[0];
      i = 1;
    }
    if (cmd.equals("loadgen")) {
      dev.streamfold.loadgen.LoadGenerator.main(Arrays.copyOfRange(args, 1, args.length));
      return 0;
    }
    Path config = null;
    for (; i < args.length; i++) {
      switch (args[i]) {
        case "-h", "--help", "help" -> {
          out.print(USAGE);
          return 0;
        }
        case "--version" -> {
          out.println("streamfold " + version());
          return 0;
        }
        case "-c", "--config" -> {
          if (i + 1 >= args.length) {
            err.println("error: --config needs a file");
            return 2;
          }
          config = Path.of(args[++i]);
        }
        default -> {
          if (args[i].startsWith("--config=")) {
            config = Path.of(args[i].substring("--config=".length()));
          } else {
            err.println("error: unknown argument '" + args[i] + "'\n");
            err.print(USAGE);
            return 2;
          }
        }
      }
    }
    switch (cmd) {
      case "validate":
        try {
          StreamfoldConfig cfg = load(config);
          out.println((config == null ? "embedded default config" : config) + ": valid");
          MemoryLimits.warnings(cfg).forEach(w -> out.println("warning: " + w));
          return 0;
        } catch (ConfigException e) {
          err.println("invalid config: " + e.getMessage());
          return 2;
        }
      case "print-default-config":
        try (var in = Main.class.getResourceAsStream(ConfigLoader.DEFAULT_RESOURCE)) {
          out.write(in.readAllBytes());
          return 0;
        }
      case "run":
        return serve(config, err);
      default:
        err.println("error: unknown command '" + cmd + "'\n");
        err.print(USAGE);
        return 2;
    }
  }

  private static StreamfoldConfig load(Path config) throws ConfigException {
    ConfigLoader loader = new ConfigLoader();
    return config == null ? loader.loadDefault() : loader.load(config);
  }

  private static int serve(Path configPath, PrintStream err) throws Exception {
    long t0 = System.nanoTime();
    StreamfoldConfig cfg;
    try {
      cfg = load(configPath);
    } catch (ConfigException e) {
      err.println("invalid config: " + e.getMessage());
      return 2;
    }
    SLF4JBridgeHandler.removeHandlersForRootLogger();
    SLF4JBridgeHandler.install();
    ch.qos.logback.classic.Logger root = (ch.qos.logback.classic.Logger) LoggerFactory.getLogger(Logger.ROOT_LOGGER_NAME);
    root.setLevel(Level.toLevel(cfg.service.logLevel, Level.INFO));
    Logger log = LoggerFactory.getLogger(Main.class);

    Service service = new Service(cfg, Clock.SYSTEM);
    FatalErrorHandler fatal = FatalErrorHandler.install(service, cfg.service.shutdown.acceptGrace.plus(cfg.service.shutdown.timeout));
    try {
      service.start();
    } catch (Exception e) {
      log.error("start-up failed: {}", e.toString());
      return 1;
    }
    log.info(
        "streamfold {} ready in {} ms: otlp grpc {} http {}, metrics {}, health {}, exporter {}",
        version(),
        (System.nanoTime() - t0) / 1_000_000,
        cfg.receivers.otlp.grpc.enabled ? cfg.receivers.otlp.grpc.endpoint : "off",
        cfg.receivers.otlp.http.enabled ? cfg.receivers.otlp.http.endpoint : "off",
        cfg.telemetry.prometheus.enabled ? cfg.telemetry.prometheus.endpoint : "off",
        cfg.service.health.enabled ? cfg.service.health.endpoint : "off",
        cfg.exporter.type.equals("file") ? "file " + cfg.exporter.file.path : cfg.exporter.type + " " + cfg.exporter.otlp.endpoint);
    Signals.install(service, cfg.service.shutdown.acceptGrace.plus(cfg.service.shutdown.timeout));
    service.awaitStopped();
    return fatal.exitCode();
  }

  static String version() {
    String v = Main.class.getPackage().getImplementationVersion();
    return v == null ? "dev" : v;
  }
}
