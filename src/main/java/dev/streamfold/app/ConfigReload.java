package dev.streamfold.app;

import dev.streamfold.config.ConfigException;
import dev.streamfold.config.ConfigLoader;
import dev.streamfold.config.ConfigPrinter;
import dev.streamfold.config.StreamfoldConfig;
import dev.streamfold.tls.TlsFiles;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * SIGHUP: loads the configuration again from the same {@code --config} files and {@code --set}
 * overrides, validates it as start-up does (TLS files included), and applies the keys that can
 * change in a running process ({@link #LIVE}). Every other changed key is named in the log as
 * needing a restart. An invalid configuration is logged and the process keeps running as it
 * was. TLS certificates, keys and CA files need no signal: they are re-read when the files
 * change. Thread-safe (reloads are serialized).
 */
final class ConfigReload {
  private static final Logger log = LoggerFactory.getLogger(ConfigReload.class);

  /** Keys applied on reload; the rest take effect at the next start. */
  static final Set<String> LIVE = Set.of("service.log_level", "service.log_format");

  private final ConfigLoader loader;
  private final List<Path> files;
  private final List<String> sets;
  private final StreamfoldConfig started;
  private final Consumer<StreamfoldConfig> applyLive;

  /** What one reload did. */
  record Outcome(boolean valid, List<String> applied, List<String> needRestart, String error) {}

  /**
   * @param started the configuration the process started with
   * @param applyLive applies the {@link #LIVE} keys of a new configuration
   */
  ConfigReload(ConfigLoader loader, List<Path> files, List<String> sets, StreamfoldConfig started, Consumer<StreamfoldConfig> applyLive) {
    this.loader = loader;
    this.files = List.copyOf(files);
    this.sets = List.copyOf(sets);
    this.started = started;
    this.applyLive = applyLive;
  }

  synchronized Outcome reload() {
    StreamfoldConfig next;
    try {
      next = loader.load(files, sets);
      TlsFiles.checkAll(next);
    } catch (ConfigException e) {
      log.error("SIGHUP: config reload failed, still running the previous config: {}", e.getMessage());
      return new Outcome(false, List.of(), List.of(), e.getMessage());
    }
    List<String> applied = new ArrayList<>();
    List<String> restart = new ArrayList<>();
    for (String key : ConfigPrinter.changedKeys(started, next)) {
      (LIVE.contains(key) ? applied : restart).add(key);
    }
    applyLive.accept(next);
    log.info("SIGHUP: config reloaded from {}: applied {}; changed but needing a restart: {}",
        files.isEmpty() ? "the embedded default" : files,
        applied.isEmpty() ? "nothing" : String.join(", ", applied),
        restart.isEmpty() ? "none" : String.join(", ", restart));
    return new Outcome(true, applied, restart, null);
  }
}
