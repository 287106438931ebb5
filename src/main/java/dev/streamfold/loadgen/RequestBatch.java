package dev.streamfold.loadgen;

import com.google.protobuf.CodedOutputStream;
import io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.logs.v1.LogRecord;
import io.opentelemetry.proto.logs.v1.ResourceLogs;
import io.opentelemetry.proto.logs.v1.ScopeLogs;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import java.util.ArrayList;
import java.util.List;

/**
 * Items waiting for one export request, grouped by resource (service) and scope (shape) like an
 * SDK's batch processor groups them, with the exact encoded size and the item counts of what is
 * inside. Bounded by the caller ({@link #items()} and {@link #bytes()} are checked before every
 * add). One per worker and signal; not thread-safe.
 */
abstract class RequestBatch<T extends com.google.protobuf.MessageLite> {
  private final List<List<T>> groups;
  private final int scopes;
  private int items;
  private long bytes;
  private long firstAddNanos;
  /** Item counts of the request being built, indexed by {@link LoadStats} metric. */
  long[] counts = new long[LoadStats.METRICS];

  RequestBatch(int services, int scopes) {
    this.scopes = scopes;
    groups = new ArrayList<>(services * scopes);
    for (int i = 0; i < services * scopes; i++) {
      groups.add(new ArrayList<>());
    }
  }

  /** Adds one item; {@code nowNanos} (monotonic) dates the batch when it is the first. */
  final void add(int service, Shape shape, T item, long nowNanos) {
    if (items == 0) {
      firstAddNanos = nowNanos;
    }
    groups.get(service * scopes + shape.ordinal()).add(item);
    items++;
    // repeated field: tag + length + message, within a few bytes of the group overhead
    int size = item.getSerializedSize();
    bytes += 1 + CodedOutputStream.computeUInt32SizeNoTag(size) + size;
  }

  final int items() {
    return items;
  }

  final long bytes() {
    return bytes;
  }

  final long firstAddNanos() {
    return firstAddNanos;
  }

  /** Hands out the items grouped by (service, shape) and empties the batch. */
  final void drain(GroupConsumer<T> consumer) {
    counts[LoadStats.REQUESTS] = 1;
    counts[LoadStats.BYTES] = bytes;
    for (int g = 0; g < groups.size(); g++) {
      List<T> list = groups.get(g);
      if (!list.isEmpty()) {
        consumer.accept(g / scopes, Shape.values()[g % scopes], list);
        list.clear();
      }
    }
    items = 0;
    bytes = 0;
    counts = new long[LoadStats.METRICS];
  }

  interface GroupConsumer<T> {
    void accept(int service, Shape shape, List<T> items);
  }

  /** Spans for TraceService/Export. */
  static final class Spans extends RequestBatch<Span> {
    private final OtlpItems otlp;

    Spans(OtlpItems otlp, int services) {
      super(services, Shape.values().length);
      this.otlp = otlp;
    }

    /** Builds the request and empties the batch; the counts move to {@code countsOut}. */
    ExportTraceServiceRequest build(long[][] countsOut) {
      countsOut[0] = counts;
      ExportTraceServiceRequest.Builder req = ExportTraceServiceRequest.newBuilder();
      ResourceSpans.Builder[] current = new ResourceSpans.Builder[1];
      int[] currentService = {-1};
      drain((service, shape, list) -> {
        if (service != currentService[0]) {
          if (current[0] != null) {
            req.addResourceSpans(current[0]);
          }
          current[0] = ResourceSpans.newBuilder().setResource(otlp.resource(service));
          currentService[0] = service;
        }
        current[0].addScopeSpans(ScopeSpans.newBuilder().setScope(otlp.scope(shape)).addAllSpans(list));
      });
      if (current[0] != null) {
        req.addResourceSpans(current[0]);
      }
      return req.build();
    }
  }

  /** Log records for LogsService/Export. */
  static final class Logs extends RequestBatch<LogRecord> {
    private final OtlpItems otlp;

    Logs(OtlpItems otlp, int services) {
      super(services, Shape.values().length);
      this.otlp = otlp;
    }

    ExportLogsServiceRequest build(long[][] countsOut) {
      countsOut[0] = counts;
      ExportLogsServiceRequest.Builder req = ExportLogsServiceRequest.newBuilder();
      ResourceLogs.Builder[] current = new ResourceLogs.Builder[1];
      int[] currentService = {-1};
      drain((service, shape, list) -> {
        if (service != currentService[0]) {
          if (current[0] != null) {
            req.addResourceLogs(current[0]);
          }
          current[0] = ResourceLogs.newBuilder().setResource(otlp.resource(service));
          currentService[0] = service;
        }
        current[0].addScopeLogs(ScopeLogs.newBuilder().setScope(otlp.scope(shape)).addAllLogRecords(list));
      });
      if (current[0] != null) {
        req.addResourceLogs(current[0]);
      }
      return req.build();
    }
  }
}
