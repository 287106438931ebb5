package dev.streamfold.window;

import dev.streamfold.derive.InputShape;
import dev.streamfold.pipeline.Unit;
import dev.streamfold.telemetry.WindowMetrics;

/**
 * A shard's counts: per-item counts added up on the shard thread and flushed to
 * {@link WindowMetrics} once per request, the units held in open streams (buffered), and a
 * snapshot of the gauges (open streams, bytes, buffered) published for other threads. Written by
 * the shard thread only; the snapshot is read from any thread.
 */
final class ShardCounters {
  private final WindowMetrics metrics;

  // added up per request, flushed by flush()
  private long chunkSpans;
  private long chunkEvents;
  private long chunkLogs;
  private long passedSpans;
  private long passedEvents;
  private long passedLogs;

  // units held in open streams
  private long bufferedSpans;
  private long bufferedEvents;
  private long bufferedLogs;

  /** {open streams, bytes, buffered spans, buffered events, buffered logs}, replaced whole. */
  private volatile long[] snapshot = new long[5];

  ShardCounters(WindowMetrics metrics) {
    this.metrics = metrics;
  }

  void chunkSpan() {
    chunkSpans++;
  }

  void chunkEvent() {
    chunkEvents++;
  }

  void chunkLog() {
    chunkLogs++;
  }

  /** A span (with its events) passed through. */
  void passedSpan(int events) {
    passedSpans++;
    passedEvents += events;
  }

  void passedLog() {
    passedLogs++;
  }

  void buffer(Unit unit, long n) {
    switch (unit) {
      case SPAN -> bufferedSpans += n;
      case SPAN_EVENT -> bufferedEvents += n;
      case LOG_RECORD -> bufferedLogs += n;
      default -> throw new IllegalArgumentException(unit.label());
    }
  }

  /** Units of a closing stream leave the buffer. */
  void release(StreamState st) {
    bufferedSpans -= st.spanUnits;
    bufferedEvents -= st.eventUnits;
    bufferedLogs -= st.logUnits;
  }

  /** Flushes the per-request counts to the metrics. */
  void flush() {
    if (chunkSpans > 0) {
      metrics.chunks(InputShape.CHUNK_SPANS.label(), chunkSpans);
    }
    if (chunkEvents > 0) {
      metrics.chunks(InputShape.CHUNK_EVENTS.label(), chunkEvents);
    }
    if (chunkLogs > 0) {
      metrics.chunks(InputShape.CHUNK_LOGS.label(), chunkLogs);
    }
    metrics.passed(Unit.SPAN, passedSpans);
    metrics.passed(Unit.SPAN_EVENT, passedEvents);
    metrics.passed(Unit.LOG_RECORD, passedLogs);
    chunkSpans = chunkEvents = chunkLogs = passedSpans = passedEvents = passedLogs = 0;
  }

  /** Publishes the gauges for readers on other threads. */
  void publish(int openStreams, long bytes) {
    snapshot = new long[] {openStreams, bytes, bufferedSpans, bufferedEvents, bufferedLogs};
  }

  int openStreams() {
    return (int) snapshot[0];
  }

  long memoryBytes() {
    return snapshot[1];
  }

  long buffered(Unit unit) {
    long[] s = snapshot;
    return switch (unit) {
      case SPAN -> s[2];
      case SPAN_EVENT -> s[3];
      case LOG_RECORD -> s[4];
      default -> 0;
    };
  }
}
