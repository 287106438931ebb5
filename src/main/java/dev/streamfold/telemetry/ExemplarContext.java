package dev.streamfold.telemetry;

import io.micrometer.registry.otlp.ExemplarContextProvider;
import io.micrometer.registry.otlp.OtlpExemplarContext;
import io.prometheus.metrics.tracer.common.SpanContext;

/**
 * The trace and span id of the stream being recorded, per thread: recording runs on the
 * caller's (window shard) thread with known ids, so the ids are set around the record calls and
 * the registries' exemplar samplers read them back on the same thread. Ids are only accepted in
 * their canonical lowercase hex form and never all zero; otherwise no exemplar is taken.
 * Thread-safe (thread-confined state).
 */
final class ExemplarContext implements SpanContext, ExemplarContextProvider {
  private static final class Ids {
    String traceId;
    String spanId;
    OtlpExemplarContext otlp; // created on first use per stream, shared by its observations
  }

  private final ThreadLocal<Ids> current = ThreadLocal.withInitial(Ids::new);

  /**
   * Sets the ids for this thread until {@link #clear()}.
   *
   * @return false (and nothing set) when an id is missing or malformed
   */
  boolean set(String traceIdHex, String spanIdHex) {
    if (!validHex(traceIdHex, 32) || !validHex(spanIdHex, 16)) {
      return false;
    }
    Ids ids = current.get();
    ids.traceId = traceIdHex;
    ids.spanId = spanIdHex;
    ids.otlp = null;
    return true;
  }

  void clear() {
    Ids ids = current.get();
    ids.traceId = null;
    ids.spanId = null;
    ids.otlp = null;
  }

  static boolean validHex(String s, int len) {
    if (s == null || s.length() != len) {
      return false;
    }
    boolean nonZero = false;
    for (int i = 0; i < len; i++) {
      char c = s.charAt(i);
      boolean digit = c >= '0' && c <= '9';
      if (!digit && !(c >= 'a' && c <= 'f')) {
        return false;
      }
      nonZero |= c != '0';
    }
    return nonZero;
  }

  @Override
  public String getCurrentTraceId() {
    return current.get().traceId;
  }

  @Override
  public String getCurrentSpanId() {
    return current.get().spanId;
  }

  @Override
  public boolean isCurrentSpanSampled() {
    return current.get().traceId != null;
  }

  @Override
  public void markCurrentSpanAsExemplar() {
    // nothing to mark: the span was recorded upstream
  }

  @Override
  public OtlpExemplarContext getExemplarContext() {
    Ids ids = current.get();
    if (ids.traceId == null) {
      return null;
    }
    if (ids.otlp == null) {
      ids.otlp = new OtlpExemplarContext(ids.traceId, ids.spanId);
    }
    return ids.otlp;
  }
}
