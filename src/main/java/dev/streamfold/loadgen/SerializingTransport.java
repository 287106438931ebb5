package dev.streamfold.loadgen;

import io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;

/**
 * {@code --dry-run}: serializes each request (what a gRPC marshaller would do) and records it as
 * OK at once. Measures the generator without a network or a server. Thread-confined.
 */
final class SerializingTransport implements Transport {
  private final LoadStats stats;
  private byte[] buffer = new byte[1 << 20];

  SerializingTransport(LoadStats stats) {
    this.stats = stats;
  }

  @Override
  public void send(ExportTraceServiceRequest request, long[] counts) {
    serialize(request);
    stats.add(LoadStats.SENT, counts);
    stats.add(LoadStats.OK, counts);
  }

  @Override
  public void send(ExportLogsServiceRequest request, long[] counts) {
    serialize(request);
    stats.add(LoadStats.SENT, counts);
    stats.add(LoadStats.OK, counts);
  }

  private void serialize(com.google.protobuf.MessageLite m) {
    int size = m.getSerializedSize();
    if (size > buffer.length) {
      buffer = new byte[size];
    }
    com.google.protobuf.CodedOutputStream out = com.google.protobuf.CodedOutputStream.newInstance(buffer, 0, size);
    try {
      m.writeTo(out);
    } catch (java.io.IOException e) {
      throw new IllegalStateException(e);
    }
  }

  @Override
  public boolean awaitIdle(long timeoutMillis) {
    return true;
  }

  @Override
  public void close() {}
}
