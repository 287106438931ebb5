package dev.streamfold.loadgen;

import java.util.Locale;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Counters of the load generator: per outcome (sent, ok, refused, failed) a vector of item
 * counts. Updated once per request (never per item); thread-safe.
 */
final class LoadStats {
  static final int REQUESTS = 0;
  static final int SPANS = 1;
  static final int CHUNK_SPANS = 2;
  static final int STREAM_SPANS = 3;
  static final int EVENTS = 4;
  static final int CHUNK_EVENTS = 5;
  static final int LOGS = 6;
  static final int CHUNK_LOGS = 7;
  /** Streams whose last item is in the request. */
  static final int STREAMS = 8;
  static final int BYTES = 9;
  static final int METRICS = 10;

  static final int SENT = 0;
  static final int OK = 1;
  /** UNAVAILABLE or RESOURCE_EXHAUSTED: the receiver pushed back (retryable). */
  static final int REFUSED = 2;
  static final int FAILED = 3;
  static final int OUTCOMES = 4;

  private static final String[] METRIC_NAMES = {
      "requests", "spans", "chunk_spans", "stream_spans", "events", "chunk_events", "logs", "chunk_logs", "streams", "bytes"};

  private final AtomicLongArray counts = new AtomicLongArray(OUTCOMES * METRICS);
  /** Items the receiver rejected in partial_success of OK answers. */
  private final AtomicLongArray partialRejected = new AtomicLongArray(1);

  /** Adds a request's item vector (length {@link #METRICS}) under {@code outcome}. */
  void add(int outcome, long[] items) {
    int base = outcome * METRICS;
    for (int m = 0; m < METRICS; m++) {
      if (items[m] != 0) {
        counts.addAndGet(base + m, items[m]);
      }
    }
  }

  void partialRejected(long n) {
    partialRejected.addAndGet(0, n);
  }

  long get(int outcome, int metric) {
    return counts.get(outcome * METRICS + metric);
  }

  long partialRejected() {
    return partialRejected.get(0);
  }

  /** Items the receiver took: chunk spans + chunk events + chunk log records answered OK. */
  long chunkItemsOk() {
    return get(OK, CHUNK_SPANS) + get(OK, CHUNK_EVENTS) + get(OK, CHUNK_LOGS);
  }

  /** The final machine-readable line. */
  String toJson(double elapsedSeconds, long seed) {
    StringBuilder sb = new StringBuilder(512).append('{');
    String[] outcomeNames = {"sent", "ok", "refused", "failed"};
    for (int m = 0; m < METRICS; m++) {
      for (int o = 0; o < OUTCOMES; o++) {
        sb.append('"').append(METRIC_NAMES[m]).append('_').append(outcomeNames[o]).append("\":").append(get(o, m)).append(',');
      }
    }
    double e = Math.max(elapsedSeconds, 1e-9);
    long chunkItems = chunkItemsOk();
    long spansOk = get(OK, SPANS);
    sb.append("\"partial_rejected\":").append(partialRejected()).append(',')
        .append("\"chunk_items_ok\":").append(chunkItems).append(',')
        .append("\"elapsed_s\":").append(fmt(elapsedSeconds)).append(',')
        .append("\"streams_per_s\":").append(fmt(get(OK, STREAMS) / e)).append(',')
        .append("\"spans_per_s\":").append(fmt(spansOk / e)).append(',')
        .append("\"chunk_items_per_s\":").append(fmt(chunkItems / e)).append(',')
        .append("\"requests_per_s\":").append(fmt(get(OK, REQUESTS) / e)).append(',')
        .append("\"seed\":").append(seed)
        .append('}');
    return sb.toString();
  }

  /** Human-readable summary lines. */
  String summary(double elapsedSeconds) {
    double e = Math.max(elapsedSeconds, 1e-9);
    return String.format(Locale.ROOT,
        "requests: sent %d, ok %d, refused %d, failed %d (partial_success rejected items %d)%n"
            + "streams: %d sent, %d ok | spans: %d ok (%d chunk, %d stream) | events: %d ok (%d chunk) | logs: %d ok (%d chunk)%n"
            + "elapsed %.2f s | %.0f streams/s, %.0f spans/s, %.0f chunk items/s, %.0f requests/s, %.1f MB/s",
        get(SENT, REQUESTS), get(OK, REQUESTS), get(REFUSED, REQUESTS), get(FAILED, REQUESTS), partialRejected(),
        get(SENT, STREAMS), get(OK, STREAMS), get(OK, SPANS), get(OK, CHUNK_SPANS), get(OK, STREAM_SPANS),
        get(OK, EVENTS), get(OK, CHUNK_EVENTS), get(OK, LOGS), get(OK, CHUNK_LOGS),
        elapsedSeconds, get(OK, STREAMS) / e, get(OK, SPANS) / e, chunkItemsOk() / e, get(OK, REQUESTS) / e,
        get(OK, BYTES) / e / 1e6);
  }

  private static String fmt(double d) {
    return String.format(Locale.ROOT, "%.1f", d);
  }
}
