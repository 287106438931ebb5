package dev.streamfold.loadgen;

import io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;

/**
 * Where a worker's requests go. {@link #send} may block (for an in-flight permit) and records
 * the request's outcome in the {@link LoadStats} exactly once, possibly asynchronously. One
 * instance per worker; {@link #send} is called from that worker's thread only.
 */
interface Transport extends AutoCloseable {
  void send(ExportTraceServiceRequest request, long[] counts) throws InterruptedException;

  void send(ExportLogsServiceRequest request, long[] counts) throws InterruptedException;

  /** Waits until every request sent has its outcome recorded; false on timeout. */
  boolean awaitIdle(long timeoutMillis) throws InterruptedException;

  @Override
  void close();
}
