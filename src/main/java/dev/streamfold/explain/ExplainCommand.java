package dev.streamfold.explain;

import dev.streamfold.config.ConfigException;
import dev.streamfold.config.ConfigLoader;
import dev.streamfold.config.StreamfoldConfig;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code streamfold explain [--config FILE] [--json | --table] FILE...}: what streamfold makes of
 * recorded telemetry, without running the service. Exit 0, 1 when some input could not be read
 * (each named on stderr with its file and line; the rest is still explained), 2 on a usage or
 * config error.
 */
public final class ExplainCommand {
  static final String USAGE =
      """
      usage: streamfold explain [--config FILE] [--json | --table] FILE...

      Replays recorded OTLP telemetry through streamfold's window with the configured rules and
      prints, per trace, what each span, span event and log record became, the attributes each
      stream's condensed span would carry, and findings: what to change when nothing is derived.

      FILE: OTLP JSON lines (the file exporter of streamfold or of an OpenTelemetry Collector),
      an OTLP/HTTP JSON or protobuf body, size-prefixed protobuf (Collector file exporter
      format: proto), or gzip of any of these. Several files are replayed in the order given.

        --config FILE  the streamfold config whose window rules to use (default: embedded)
        --json         the report as JSON
        --table        one Markdown table row per stream and file (the README producer table)
      """;

  private ExplainCommand() {}

  public static int run(String[] args, PrintStream out, PrintStream err) {
    Path config = null;
    boolean json = false;
    boolean table = false;
    List<Path> files = new ArrayList<>();
    for (int i = 0; i < args.length; i++) {
      String a = args[i];
      switch (a) {
        case "-h", "--help" -> {
          out.print(USAGE);
          return 0;
        }
        case "--json" -> json = true;
        case "--table" -> table = true;
        case "-c", "--config" -> {
          if (i + 1 >= args.length) {
            err.println("error: --config needs a file");
            return 2;
          }
          config = Path.of(args[++i]);
        }
        default -> {
          if (a.startsWith("--config=")) {
            config = Path.of(a.substring("--config=".length()));
          } else if (a.startsWith("-") && !a.equals("-")) {
            err.println("error: unknown option '" + a + "'\n");
            err.print(USAGE);
            return 2;
          } else {
            files.add(Path.of(a));
          }
        }
      }
    }
    if (files.isEmpty() || (json && table)) {
      err.println(files.isEmpty() ? "error: no input file\n" : "error: --json and --table exclude each other\n");
      err.print(USAGE);
      return 2;
    }
    StreamfoldConfig cfg;
    try {
      ConfigLoader loader = new ConfigLoader();
      cfg = config == null ? loader.loadDefault() : loader.load(config);
    } catch (ConfigException e) {
      err.println("invalid config: " + e.getMessage());
      return 2;
    }
    String configName = config == null ? "embedded default" : config.toString();
    int errors = 0;
    if (table) {
      List<ProducerTable.Entry> entries = new ArrayList<>();
      for (Path f : files) {
        Report r = Explainer.explain(cfg.window(), configName, List.of(f));
        errors += report(r, err);
        entries.add(new ProducerTable.Entry(f.getFileName().toString(), r));
      }
      out.print(ProducerTable.render(entries));
    } else {
      Report r = Explainer.explain(cfg.window(), configName, files);
      errors += report(r, err);
      out.print(json ? JsonRenderer.render(r) : TextRenderer.render(r));
    }
    return errors == 0 ? 0 : 1;
  }

  private static int report(Report r, PrintStream err) {
    for (InputError e : r.errors()) {
      err.println("error: " + e);
    }
    return r.errors().size();
  }
}
