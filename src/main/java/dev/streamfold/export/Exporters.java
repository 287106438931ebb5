package dev.streamfold.export;

import dev.streamfold.config.ExporterConfig;
import dev.streamfold.time.Clock;
import java.io.IOException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;

/** Creates the transport an exporter config names; the pipeline never knows the concrete types. */
public final class Exporters {
  private Exporters() {}

  /**
   * The exporter {@code cfg.type} names: {@code file}, {@code otlp_grpc} or {@code otlp_http}.
   *
   * @param clock wall clock for HTTP-date {@code Retry-After} values, monotonic for close deadlines
   * @throws IOException when TLS material cannot be read
   */
  public static Exporter create(ExporterConfig cfg, Clock clock) throws IOException {
    try {
      return switch (cfg.type()) {
        case "otlp_grpc" -> new GrpcExporter(cfg.otlp(), clock);
        case "otlp_http" -> new HttpExporter(cfg.otlp(), clock);
        case "file" -> new FileExporter(Path.of(cfg.file().path()), cfg.file().maxSizeMib() << 20, cfg.file().maxBackups());
        default -> throw new IllegalArgumentException("unknown exporter type " + cfg.type());
      };
    } catch (GeneralSecurityException e) {
      throw new IOException("exporter TLS setup failed: " + e.getMessage(), e);
    }
  }
}
