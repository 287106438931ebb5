package dev.streamfold.app;

import static org.assertj.core.api.Assertions.assertThat;

import dev.streamfold.config.ConfigLoader;
import dev.streamfold.config.StreamfoldConfig;
import dev.streamfold.telemetry.BuildInfo;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The operator's command line: repeated --config, --set, print-config, validate with TLS files, --version, and the reload. */
class CommandLineTest {
  @TempDir Path dir;
  private final ByteArrayOutputStream out = new ByteArrayOutputStream();
  private final ByteArrayOutputStream err = new ByteArrayOutputStream();

  private int run(String... args) throws Exception {
    return Main.run(args, new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
  }

  private String out() {
    return out.toString(StandardCharsets.UTF_8);
  }

  private String err() {
    return err.toString(StandardCharsets.UTF_8);
  }

  @Test
  void versionComesFromTheBuild() throws Exception {
    assertThat(run("--version")).isZero();
    assertThat(out()).isEqualTo("streamfold " + BuildInfo.current() + "\n").doesNotContain("dev ");
  }

  @Test
  void printConfigMergesFilesAndSetsInOrder() throws Exception {
    Path a = Files.writeString(dir.resolve("a.yaml"), "window:\n  idle_timeout: 10s\n  max_open_streams: 5\n");
    Path b = Files.writeString(dir.resolve("b.yaml"), "window:\n  idle_timeout: 20s\n");

    int rc = run("print-config", "--config", a.toString(), "--config=" + b, "--set", "window.max_stream_age=1h",
        "--set=service.log_format=json");

    assertThat(rc).as(err()).isZero();
    assertThat(out()).contains("idle_timeout: 20s", "max_open_streams: 5", "max_stream_age: 1h", "log_format: json");
  }

  @Test
  void validateLoadsTheTlsKeyAndNamesTheKey() throws Exception {
    dev.streamfold.tls.Openssl ssl = new dev.streamfold.tls.Openssl(dir);
    ssl.run("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "a.key", "-out", "a.pem", "-days", "1", "-subj", "/CN=a");
    ssl.run("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", "other.key");
    Path cfg = Files.writeString(dir.resolve("tls.yaml"), """
        receivers:
          otlp:
            grpc:
              tls:
                cert_file: %s
                key_file: %s
        """.formatted(dir.resolve("a.pem"), dir.resolve("other.key")));

    assertThat(run("validate", "--config", cfg.toString())).isEqualTo(2);
    assertThat(err()).startsWith("invalid config: receivers.otlp.grpc.tls.key_file: ").contains("is not the private key");

    out.reset();
    assertThat(run("validate", "--config", cfg.toString(), "--set", "receivers.otlp.grpc.tls.key_file=" + dir.resolve("a.key")))
        .isZero();
    assertThat(out()).contains("tls.yaml with 1 --set: valid");
  }

  @Test
  void aReloadAppliesLiveKeysNamesTheRestAndSurvivesABadFile() throws Exception {
    Path file = Files.writeString(dir.resolve("c.yaml"), "service:\n  log_level: info\n");
    ConfigLoader loader = new ConfigLoader();
    StreamfoldConfig started = loader.load(List.of(file), List.of());
    List<StreamfoldConfig> applied = new ArrayList<>();
    ConfigReload reload = new ConfigReload(loader, List.of(file), List.of(), started, applied::add);

    Files.writeString(file, "service:\n  log_level: debug\n  log_format: json\nwindow:\n  idle_timeout: 1m\n");
    ConfigReload.Outcome ok = reload.reload();

    assertThat(ok.valid()).isTrue();
    assertThat(ok.applied()).containsExactlyInAnyOrder("service.log_level", "service.log_format");
    assertThat(ok.needRestart()).containsExactly("window.idle_timeout");
    assertThat(applied).singleElement().satisfies(c -> assertThat(c.service().logLevel()).isEqualTo("debug"));

    Files.writeString(file, "window:\n  idle_timeout: never\n");
    ConfigReload.Outcome bad = reload.reload();

    assertThat(bad.valid()).isFalse();
    assertThat(bad.error()).contains("window.idle_timeout");
    assertThat(applied).hasSize(1);
  }
}
