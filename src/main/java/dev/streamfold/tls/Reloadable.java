package dev.streamfold.tls;

import java.io.IOException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A value built from files and built again when they change: {@link #current()} stats the files
 * (no read) and reloads when their {@link FileStamp} differs from the loaded one. A reload that
 * fails (a half-written rotation, a key that does not match the certificate) keeps the previous
 * value, logs once, and is retried when the files change again. Thread-safe; reloads are
 * serialized.
 */
final class Reloadable<T> {
  private static final Logger log = LoggerFactory.getLogger(Reloadable.class);

  /** Builds the value from the files. */
  interface Loader<T> {
    T load() throws IOException, GeneralSecurityException;
  }

  /** One loaded value and its generation (1 for the first load). */
  record Loaded<T>(FileStamp stamp, T value, long generation) {}

  private final String what;
  private final List<Path> files;
  private final Loader<T> loader;
  private volatile Loaded<T> current;
  private volatile Loaded<T> previous;
  private FileStamp failed; // guarded by this

  private Reloadable(String what, List<Path> files, Loader<T> loader, Loaded<T> first) {
    this.what = what;
    this.files = files;
    this.loader = loader;
    this.current = first;
    this.previous = first;
  }

  /**
   * Loads the value the first time; a failure here is thrown (start-up must not run without it).
   *
   * @param what names the material in log lines (file names, never content)
   */
  static <T> Reloadable<T> load(String what, List<Path> files, Loader<T> loader) throws IOException, GeneralSecurityException {
    FileStamp stamp = FileStamp.of(files);
    return new Reloadable<>(what, List.copyOf(files), loader, new Loaded<>(stamp, loader.load(), 1));
  }

  /** The current value, reloaded first when the files changed. */
  Loaded<T> current() {
    Loaded<T> c = current;
    FileStamp now = FileStamp.of(files);
    if (!now.equals(c.stamp())) {
      c = reload(now);
    }
    return c;
  }

  /** The current or the previous value by generation (a handshake that straddles a reload); null if older. */
  Loaded<T> generation(long generation) {
    Loaded<T> c = current;
    if (c.generation() == generation) {
      return c;
    }
    Loaded<T> p = previous;
    return p.generation() == generation ? p : null;
  }

  private synchronized Loaded<T> reload(FileStamp now) {
    Loaded<T> c = current;
    if (now.equals(c.stamp()) || now.equals(failed)) {
      return c;
    }
    try {
      Loaded<T> next = new Loaded<>(now, loader.load(), c.generation() + 1);
      previous = c;
      current = next;
      failed = null;
      log.info("TLS {}: files changed, reloaded (generation {})", what, next.generation());
      return next;
    } catch (IOException | GeneralSecurityException | RuntimeException e) {
      failed = now;
      log.warn("TLS {}: files changed but cannot be loaded, keeping the previous material until they change again: {}",
          what, e.getMessage());
      return c;
    }
  }
}
