package dev.streamfold.loadgen;

import io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Spreads a worker's requests over several endpoints by trace id, like the Collector's
 * {@code loadbalancing} exporter with routing_key traceID: each request is split per endpoint
 * ({@link TraceSplitter}) on the ring in force at that moment ({@link RingSchedule}), each part
 * goes to that endpoint's own transport (connected on first use).
 *
 * <p>Counts: each part is one request; spans, events, log records and bytes are those of the
 * part; the per-kind counts the worker computed for the whole request (chunk and stream spans,
 * chunk events and logs, finished streams) are apportioned to the parts by their share of the
 * items (largest remainder), so totals stay exact and per-endpoint kinds are approximate. One
 * per worker; {@link #send} is called from that worker's thread only.
 */
final class RoutingTransport implements Transport {
  private static final int[] APPORTIONED = {
      LoadStats.CHUNK_SPANS, LoadStats.STREAM_SPANS, LoadStats.CHUNK_EVENTS, LoadStats.CHUNK_LOGS, LoadStats.STREAMS};

  private final Supplier<HashRing> ring;
  private final Function<String, Transport> connect;
  private final RouteCounts routed;
  private final Map<String, Transport> transports = new HashMap<>();

  /**
   * @param connect makes the transport of one endpoint
   * @param routed where items per endpoint are counted (shared by the workers of a run)
   */
  RoutingTransport(Supplier<HashRing> ring, Function<String, Transport> connect, RouteCounts routed) {
    this.ring = ring;
    this.connect = connect;
    this.routed = routed;
  }

  @Override
  public void send(ExportTraceServiceRequest request, long[] counts) throws InterruptedException {
    HashRing r = ring.get();
    ExportTraceServiceRequest[] parts = TraceSplitter.split(request, r);
    long[] items = new long[parts.length];
    for (int e = 0; e < parts.length; e++) {
      if (parts[e] != null) {
        items[e] = RouteCounts.spans(parts[e]);
      }
    }
    long[][] partCounts = apportion(counts, items);
    for (int e = 0; e < parts.length; e++) {
      if (parts[e] != null) {
        long[] c = partCounts[e];
        c[LoadStats.SPANS] = items[e];
        c[LoadStats.EVENTS] = RouteCounts.events(parts[e]);
        c[LoadStats.BYTES] = parts[e].getSerializedSize();
        String endpoint = r.endpoints().get(e);
        routed.add(endpoint, items[e], 0);
        transport(endpoint).send(parts[e], c);
      }
    }
  }

  @Override
  public void send(ExportLogsServiceRequest request, long[] counts) throws InterruptedException {
    HashRing r = ring.get();
    ExportLogsServiceRequest[] parts = TraceSplitter.split(request, r);
    long[] items = new long[parts.length];
    for (int e = 0; e < parts.length; e++) {
      if (parts[e] != null) {
        items[e] = RouteCounts.logs(parts[e]);
      }
    }
    long[][] partCounts = apportion(counts, items);
    for (int e = 0; e < parts.length; e++) {
      if (parts[e] != null) {
        long[] c = partCounts[e];
        c[LoadStats.LOGS] = items[e];
        c[LoadStats.BYTES] = parts[e].getSerializedSize();
        String endpoint = r.endpoints().get(e);
        routed.add(endpoint, 0, items[e]);
        transport(endpoint).send(parts[e], c);
      }
    }
  }

  /** Per part: REQUESTS = 1 and the {@link #APPORTIONED} kinds shared out by item count. */
  static long[][] apportion(long[] counts, long[] items) {
    int n = items.length;
    long total = 0;
    for (long i : items) {
      total += i;
    }
    long[][] out = new long[n][LoadStats.METRICS];
    for (int e = 0; e < n; e++) {
      out[e][LoadStats.REQUESTS] = items[e] > 0 ? 1 : 0;
    }
    if (total == 0) {
      return out;
    }
    for (int m : APPORTIONED) {
      long given = 0;
      long[] rest = new long[n];
      for (int e = 0; e < n; e++) {
        long exact = counts[m] * items[e];
        out[e][m] = exact / total;
        rest[e] = exact % total;
        given += out[e][m];
      }
      for (long left = counts[m] - given; left > 0; left--) {
        int best = -1;
        for (int e = 0; e < n; e++) {
          if (items[e] > 0 && (best < 0 || rest[e] > rest[best])) {
            best = e;
          }
        }
        out[best][m]++;
        rest[best] = -1;
      }
    }
    return out;
  }

  private Transport transport(String endpoint) {
    return transports.computeIfAbsent(endpoint, connect);
  }

  @Override
  public boolean awaitIdle(long timeoutMillis) throws InterruptedException {
    long deadline = System.nanoTime() + timeoutMillis * 1_000_000;
    for (Transport t : transports.values()) {
      if (!t.awaitIdle(Math.max(0, (deadline - System.nanoTime()) / 1_000_000))) {
        return false;
      }
    }
    return true;
  }

  @Override
  public void close() {
    for (Transport t : transports.values()) {
      t.close();
    }
  }
}
