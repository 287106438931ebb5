package dev.streamfold.app;

import dev.streamfold.config.ConfigException;
import dev.streamfold.config.ConfigLoader;
import dev.streamfold.config.ConfigPrinter;
import dev.streamfold.config.StreamfoldConfig;
import dev.streamfold.telemetry.BuildInfo;
import dev.streamfold.time.Clock;
import dev.streamfold.tls.TlsFiles;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.bridge.SLF4JBridgeHandler;

/**
 * Command line: {@code streamfold [run] [--config FILE]... [--set KEY=VALUE]...}, {@code
 * validate}, {@code print-config}, {@code print-default-config}, {@code loadgen ...}, {@code
 * --help}, {@code --version}.
 */
public final class Main {
  static final String USAGE =
      """
      streamfold: condenses LLM streaming telemetry (one span, event or log per chunk) into one
      span per stream plus metrics. OTLP in (gRPC :4317, HTTP :4318), OTLP out, Prometheus :9464.

      usage:
        streamfold [run] [CONFIG...]         run the service (embedded default config without --config)
        streamfold validate [CONFIG...]      check the config, TLS files included, and exit (0 = valid, 2 = invalid)
        streamfold print-config [CONFIG...]  print the effective config (secrets masked) and exit
        streamfold print-default-config      print the embedded default config
        streamfold loadgen [options]         send synthetic LLM streams over OTLP/gRPC (loadgen --help)
        streamfold explain [--json] FILE...  what streamfold makes of recorded telemetry (explain --help)
        streamfold --help | --version

      CONFIG:
        --config FILE      YAML file; repeat to merge in order (mappings merge, later wins, lists replace)
        --set KEY=VALUE    override one key after the files, e.g. --set=window.idle_timeout=1m
                           (dotted path, YAML value); repeatable
      Config: ${env:VAR} and ${env:VAR:-default} are expanded; see README.md.
      Signals: SIGTERM/SIGINT drain and exit 0 (a second one exits at once); SIGHUP reloads the
      config (service.log_level, service.log_format live; other changed keys are logged as needing
      a restart); TLS files are re-read when they change.
      """;

  private Main() {}

  public static void main(String[] args) throws Exception {
    System.exit(run(args, System.out, System.err));
  }

  /** The parsed command line. */
  private record Args(String cmd, List<Path> configs, List<String> sets) {}

  static int run(String[] args, PrintStream out, PrintStream err) throws Exception {
    String cmd = "run";
    int i = 0;
    if (args.length > 0 && !args[0].startsWith("-")) {
      cmd = args[0];
      i = 1;
    }
    if (cmd.equals("explain")) {
      return dev.streamfold.explain.ExplainCommand.run(Arrays.copyOfRange(args, 1, args.length), out, err);
    }
    if (cmd.equals("loadgen")) {
      dev.streamfold.loadgen.LoadGenerator.main(Arrays.copyOfRange(args, 1, args.length));
      return 0;
    }
    List<Path> configs = new ArrayList<>();
    List<String> sets = new ArrayList<>();
    for (; i < args.length; i++) {
      String a = args[i];
      switch (a) {
        case "-h", "--help", "help" -> {
          out.print(USAGE);
          return 0;
        }
        case "--version" -> {
          out.println("streamfold " + BuildInfo.current());
          return 0;
        }
        case "-c", "--config", "--set" -> {
          if (i + 1 >= args.length) {
            err.println("error: " + a + (a.equals("--set") ? " needs KEY=VALUE" : " needs a file"));
            return 2;
          }
          if (a.equals("--set")) {
            sets.add(args[++i]);
          } else {
            configs.add(Path.of(args[++i]));
          }
        }
        default -> {
          if (a.startsWith("--config=")) {
            configs.add(Path.of(a.substring("--config=".length())));
          } else if (a.startsWith("--set=")) {
            sets.add(a.substring("--set=".length()));
          } else {
            err.println("error: unknown argument '" + a + "'\n");
            err.print(USAGE);
            return 2;
          }
        }
      }
    }
    Args parsed = new Args(cmd, configs, sets);
    switch (cmd) {
      case "validate":
        try {
          StreamfoldConfig cfg = load(parsed);
          out.println(describe(parsed) + ": valid");
          MemoryLimits.warnings(cfg).forEach(w -> out.println("warning: " + w));
          return 0;
        } catch (ConfigException e) {
          err.println("invalid config: " + e.getMessage());
          return 2;
        }
      case "print-config":
        try {
          out.print(ConfigPrinter.yaml(new ConfigLoader().load(configs, sets)));
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
        return serve(parsed, err);
      default:
        err.println("error: unknown command '" + cmd + "'\n");
        err.print(USAGE);
        return 2;
    }
  }

  private static String describe(Args a) {
    String files = a.configs().isEmpty() ? "embedded default config"
        : a.configs().stream().map(Path::toString).collect(java.util.stream.Collectors.joining(" + "));
    return a.sets().isEmpty() ? files : files + " with " + a.sets().size() + " --set";
  }

  /** Loads, validates and checks the TLS files, as start-up needs them. */
  private static StreamfoldConfig load(Args a) throws ConfigException {
    StreamfoldConfig cfg = new ConfigLoader().load(a.configs(), a.sets());
    TlsFiles.checkAll(cfg);
    return cfg;
  }

  private static int serve(Args args, PrintStream err) throws Exception {
    long t0 = System.nanoTime();
    StreamfoldConfig cfg;
    try {
      cfg = load(args);
    } catch (ConfigException e) {
      err.println("invalid config: " + e.getMessage());
      return 2;
    }
    SLF4JBridgeHandler.removeHandlersForRootLogger();
    SLF4JBridgeHandler.install();
    LogSetup.apply(cfg.service().logLevel(), cfg.service().logFormat());
    Logger log = LoggerFactory.getLogger(Main.class);
    ConfigReload reload = new ConfigReload(new ConfigLoader(), args.configs(), args.sets(), cfg,
        next -> LogSetup.apply(next.service().logLevel(), next.service().logFormat()));
    Signals.installHangup(reload::reload);

    Service service = new Service(cfg, Clock.SYSTEM);
    FatalErrorHandler fatal = FatalErrorHandler.install(service, cfg.service().shutdown().acceptGrace().plus(cfg.service().shutdown().timeout()));
    try {
      service.start();
    } catch (Exception e) {
      log.error("start-up failed: {}", e.toString());
      return 1;
    }
    log.info(
        "streamfold {} ready in {} ms: otlp grpc {} http {}, metrics {}, health {}, exporters {}",
        BuildInfo.current(),
        (System.nanoTime() - t0) / 1_000_000,
        cfg.receivers().otlp().grpc().enabled() ? cfg.receivers().otlp().grpc().endpoint() : "off",
        cfg.receivers().otlp().http().enabled() ? cfg.receivers().otlp().http().endpoint() : "off",
        cfg.telemetry().prometheus().enabled() ? cfg.telemetry().prometheus().endpoint() : "off",
        cfg.service().health().enabled() ? cfg.service().health().endpoint() : "off",
        exportersLine(cfg));
    Signals.install(service, cfg.service().shutdown().acceptGrace().plus(cfg.service().shutdown().timeout()));
    service.awaitStopped();
    return fatal.exitCode();
  }

  /** Where output goes, one entry per exporter: {@code otlp/tempo tempo:4317, file ./out.jsonl}. */
  private static String exportersLine(StreamfoldConfig cfg) {
    StringBuilder b = new StringBuilder();
    for (var e : cfg.exportersByName().entrySet()) {
      if (b.length() > 0) {
        b.append(", ");
      }
      var x = e.getValue();
      b.append(e.getKey()).append(' ').append(x.type().equals("file") ? x.file().path() : x.otlp().endpoint());
    }
    return b.toString();
  }
}
