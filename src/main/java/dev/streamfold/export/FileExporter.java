package dev.streamfold.export;

import dev.streamfold.otlp.OtlpJson;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/**
 * Writes each export request as one line of OTLP JSON ({@link OtlpJson#print}) to a file,
 * flushed after every request so a reader only ever sees complete lines. Rotated by size: when
 * the next line would push the file past {@code maxBytes}, {@code path} becomes
 * {@code path.1} (newest backup), older backups shift up, and at most {@code maxBackups}
 * are kept ({@code 0}: the file is simply restarted). A single line larger than
 * {@code maxBytes} is written alone into a fresh file. Disk usage is therefore bounded by
 * about {@code (maxBackups + 1) * maxBytes}. Parent directories are created on first write.
 * I/O errors are reported as retryable. Thread-safe (writes are serialized).
 */
final class FileExporter implements Exporter {
  private final Path path;
  private final long maxBytes;
  private final int maxBackups;
  private OutputStream out;
  private long size;
  private boolean closed;

  FileExporter(Path path, long maxBytes, int maxBackups) {
    this.path = path;
    this.maxBytes = maxBytes;
    this.maxBackups = maxBackups;
  }

  @Override
  public CompletableFuture<ExportOutcome> export(ExportRequest request) {
    byte[] line;
    try {
      line = (OtlpJson.print(request.message()) + "\n").getBytes(StandardCharsets.UTF_8);
    } catch (RuntimeException e) {
      return CompletableFuture.completedFuture(ExportOutcome.nonRetryable("file: cannot encode request: " + e.getMessage()));
    }
    try {
      write(line);
      return CompletableFuture.completedFuture(ExportOutcome.success());
    } catch (IOException e) {
      closeQuietly();
      return CompletableFuture.completedFuture(ExportOutcome.retryable(null, "file " + path + ": " + e));
    }
  }

  private synchronized void write(byte[] line) throws IOException {
    if (closed) {
      throw new IOException("exporter closed");
    }
    if (out == null) {
      open();
    }
    if (size > 0 && size + line.length > maxBytes) {
      rotate();
    }
    out.write(line);
    out.flush();
    size += line.length;
  }

  private void open() throws IOException {
    Path parent = path.toAbsolutePath().getParent();
    if (parent != null) {
      Files.createDirectories(parent);
    }
    out = new BufferedOutputStream(Files.newOutputStream(path, StandardOpenOption.CREATE, StandardOpenOption.APPEND), 1 << 16);
    size = Files.size(path);
  }

  private void rotate() throws IOException {
    out.close();
    out = null;
    if (maxBackups == 0) {
      Files.delete(path);
    } else {
      Files.deleteIfExists(backup(maxBackups));
      for (int i = maxBackups - 1; i >= 1; i--) {
        Path from = backup(i);
        if (Files.exists(from)) {
          Files.move(from, backup(i + 1), StandardCopyOption.REPLACE_EXISTING);
        }
      }
      Files.move(path, backup(1), StandardCopyOption.REPLACE_EXISTING);
    }
    open();
  }

  Path backup(int i) {
    return path.resolveSibling(path.getFileName() + "." + i);
  }

  private synchronized void closeQuietly() {
    if (out != null) {
      try {
        out.close();
      } catch (IOException ignored) {
        // the next write reopens or reports
      }
      out = null;
    }
  }

  @Override
  public String describe() {
    return "file " + path;
  }

  @Override
  public synchronized void close(Duration timeout) {
    closeQuietly();
    closed = true;
  }
}
