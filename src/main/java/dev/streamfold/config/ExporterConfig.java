package dev.streamfold.config;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * {@code exporter}: where condensed spans, pass-through data and pushed metrics go (SPEC 5); also
 * each entry of {@code exporters}. Defaults: config/streamfold.yaml ({@code capacity_items} from
 * the max heap).
 *
 * @param type {@code file}, {@code otlp_grpc} or {@code otlp_http} (for a named exporter: from
 *     its name)
 */
public record ExporterConfig(String type, Otlp otlp, FileOut file, Batch batch, Queue queue, Retry retry) {

  /**
   * @param endpoint one endpoint for all signals: {@code host:port} for gRPC, a base URL for HTTP
   *     ({@code http://host:4318})
   * @param tracesEndpoint per-signal override; for HTTP a full URL (e.g. {@code https://host/v1/traces})
   * @param headers static headers on every request (gRPC metadata / HTTP headers), e.g. tenant
   *     ids, auth. Never logged
   * @param compression {@code gzip} or {@code none}
   * @param timeout per request: the gRPC deadline, the HTTP request and connect timeout
   * @param tls client TLS: used when {@code insecure: false} or the endpoint is an
   *     {@code https://} URL
   */
  public record Otlp(
      String endpoint,
      String tracesEndpoint,
      String logsEndpoint,
      String metricsEndpoint,
      Map<String, String> headers,
      String compression,
      Duration timeout,
      TlsConfig tls) {
    public Otlp {
      headers = Frozen.map(headers);
    }
  }

  /** OTLP JSON lines; rotated to {@code path.1} (newest) ... {@code path.<max_backups>}. */
  public record FileOut(String path, long maxSizeMib, int maxBackups) {}

  /**
   * @param maxSize items per export request
   * @param maxBytes encoded bytes per export request (before compression), under the 4 MiB a
   *     Collector's receiver takes by default; a single item larger than this is sent alone
   */
  public record Batch(int maxSize, long maxBytes, Duration timeout) {}

  /**
   * @param capacityItems items (spans, log records, metric points) held for export
   * @param admissionReserve share of the capacity kept free for what the window emits itself; the
   *     ingress refuses new requests past it
   * @param consumers parallel export requests
   */
  public record Queue(long capacityItems, double admissionReserve, int consumers, Persistent persistent) {}

  /**
   * Sealed batches are kept on disk until the downstream accepts them and replayed after a
   * restart. Bounded by {@code max_size_mib}; {@code capacity_items} still applies (items live on
   * disk, so it can be raised).
   */
  public record Persistent(boolean enabled, String directory, long maxSizeMib) {}

  /**
   * @param maxElapsedTime give up on a batch when the next wait would pass this since its first
   *     attempt; {@code 0}: never give up
   */
  public record Retry(boolean enabled, Duration initialInterval, Duration maxInterval, Duration maxElapsedTime, double multiplier) {}

  /** Upper bound for size settings in MiB (1 TiB), so byte arithmetic cannot overflow. */
  static final long MAX_MIB = 1L << 20;

  /**
   * The exporter type a Collector-style name stands for: {@code otlp} (gRPC), {@code otlphttp},
   * {@code file}, optionally followed by {@code /instance}; the type names of {@code exporter.type}
   * are accepted too. {@code null} when unknown.
   */
  static String typeOf(String name) {
    int slash = name.indexOf('/');
    String t = slash < 0 ? name : name.substring(0, slash);
    return switch (t) {
      case "otlp", "otlp_grpc" -> "otlp_grpc";
      case "otlphttp", "otlp_http" -> "otlp_http";
      case "file" -> "file";
      default -> null;
    };
  }

  /**
   * The exporters to run, by name (the {@code exporter} label of the export metrics): the named
   * ones with their type taken from the name, or the single one named by its {@code type}.
   */
  public static Map<String, ExporterConfig> byName(ExporterConfig single, Map<String, ExporterConfig> named) {
    return named.isEmpty() ? Map.of(single.type(), single) : named;
  }

  /** Each named exporter (names and types are checked by the loader) and that no two share a queue directory. */
  static void validateNamed(Map<String, ExporterConfig> named, Validator v) {
    Map<String, String> dirs = new LinkedHashMap<>();
    for (Map.Entry<String, ExporterConfig> e : named.entrySet()) {
      String name = e.getKey();
      ExporterConfig cfg = e.getValue();
      cfg.validate(v.section(name));
      if (cfg.queue().persistent().enabled()) {
        String dir = java.nio.file.Path.of(cfg.queue().persistent().directory()).toAbsolutePath().normalize().toString();
        String other = dirs.putIfAbsent(dir, name);
        v.check(other == null, name + ".queue.persistent.directory", "already used by exporter " + other + "; each exporter needs its own");
      }
    }
  }

  public boolean isOtlp() {
    return type.equals("otlp_grpc") || type.equals("otlp_http");
  }

  void validate(Validator v) {
    v.check(type.equals("file") || isOtlp(), "type", "must be file, otlp_grpc or otlp_http, got '" + type + "'");
    Validator o = v.section("otlp");
    if (isOtlp()) {
      boolean all = !otlp.endpoint().isBlank();
      boolean each = !otlp.tracesEndpoint().isBlank() && !otlp.logsEndpoint().isBlank() && !otlp.metricsEndpoint().isBlank();
      o.check(all || each, "endpoint", "required when exporter.type is " + type + " (or set traces_endpoint, logs_endpoint and metrics_endpoint)");
      if (type.equals("otlp_grpc")) {
        for (String[] e : new String[][] {{"endpoint", otlp.endpoint()}, {"traces_endpoint", otlp.tracesEndpoint()}, {"logs_endpoint", otlp.logsEndpoint()}, {"metrics_endpoint", otlp.metricsEndpoint()}}) {
          if (!e[1].isBlank()) {
            o.endpoint(e[1].strip().replaceFirst("^(https?://|dns:///?)", "").replaceFirst("/+$", ""), e[0]);
          }
        }
      } else {
        for (String[] e : new String[][] {{"endpoint", otlp.endpoint()}, {"traces_endpoint", otlp.tracesEndpoint()}, {"logs_endpoint", otlp.logsEndpoint()}, {"metrics_endpoint", otlp.metricsEndpoint()}}) {
          o.check(e[1].isBlank() || e[1].startsWith("http://") || e[1].startsWith("https://"), e[0], "must be an http:// or https:// URL, got '" + e[1] + "'");
        }
      }
    }
    o.check(otlp.compression().equals("gzip") || otlp.compression().equals("none"), "compression", "must be gzip or none, got '" + otlp.compression() + "'");
    o.positive(otlp.timeout(), "timeout");
    otlp.tls().validate(o.section("tls"));
    if (otlp.headers() != null) {
      for (Map.Entry<String, String> h : otlp.headers().entrySet()) {
        o.check(h.getKey().matches("[A-Za-z0-9!#$%&'*+.^_`|~-]+"), "headers." + h.getKey(), "not a valid header name");
        o.check(h.getValue() != null, "headers." + h.getKey(), "must have a value");
      }
    }
    Validator f = v.section("file");
    f.notBlank(file.path(), "path");
    f.positive(file.maxSizeMib(), "max_size_mib");
    f.check(file.maxSizeMib() <= MAX_MIB, "max_size_mib", "must be <= " + MAX_MIB + ", got " + file.maxSizeMib());
    f.nonNegative(file.maxBackups(), "max_backups");
    Validator b = v.section("batch");
    b.positive(batch.maxSize(), "max_size");
    b.check(batch.maxBytes() >= 1024, "max_bytes", "must be >= 1024, got " + batch.maxBytes());
    b.positive(batch.timeout(), "timeout");
    Validator q = v.section("queue");
    q.positive(queue.capacityItems(), "capacity_items");
    q.check(queue.admissionReserve() >= 0 && queue.admissionReserve() < 1, "admission_reserve", "must be in [0, 1), got " + queue.admissionReserve());
    q.positive(queue.consumers(), "consumers");
    q.section("persistent").notBlank(queue.persistent().directory(), "directory");
    q.section("persistent").positive(queue.persistent().maxSizeMib(), "max_size_mib");
    q.section("persistent").check(queue.persistent().maxSizeMib() <= MAX_MIB, "max_size_mib", "must be <= " + MAX_MIB + ", got " + queue.persistent().maxSizeMib());
    Validator r = v.section("retry");
    r.positive(retry.initialInterval(), "initial_interval");
    r.positive(retry.maxInterval(), "max_interval");
    r.nonNegative(retry.maxElapsedTime(), "max_elapsed_time");
    r.check(retry.multiplier() >= 1, "multiplier", "must be >= 1, got " + retry.multiplier());
  }
}
