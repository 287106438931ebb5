package dev.streamfold.telemetry;

/**
 * Where pushed metrics go: receives one encoded OTLP {@code ExportMetricsServiceRequest} per
 * push interval (protobuf bytes, uncompressed), with instrumentation scope {@code dev.streamfold}
 * already set. Called on the metrics push thread, never concurrently with itself. An exception
 * is logged by the push loop and that request is lost (the next push carries the cumulative
 * values again).
 */
@FunctionalInterface
public interface OtlpMetricsPush {
  void send(byte[] exportMetricsServiceRequest) throws Exception;
}
