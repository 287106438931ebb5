package dev.streamfold.loadgen;

import io.opentelemetry.proto.logs.v1.LogRecord;
import io.opentelemetry.proto.trace.v1.Span;
import java.time.Instant;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;

/**
 * One generator thread: interleaves up to {@code concurrency} synthetic streams, emits one item
 * (a chunk, or a stream's final span) per step into per-signal batches and hands full batches
 * to its {@link Transport}.
 *
 * <p>Closed loop: steps run as fast as the transport's permits allow. Open loop: step {@code j}
 * is due at {@code t0 + j / (rate x meanSteps)}, so streams complete at {@code rate} per second
 * on average, and partial batches are flushed after the batch timeout. Concurrency in open loop
 * follows Little's law ({@code rate x mean stream duration}), so a stream's items are spread
 * over about its synthetic duration, as a real producer would send them.
 *
 * <p>Stops starting streams when the budget, the deadline or the stop flag is reached, then
 * finishes the streams it has (without pacing when stopped) and flushes.
 */
final class LoadWorker implements Runnable {
  private final LoadGenOptions o;
  private final long streamBudget;
  private final double ratePerSecond;
  private final long deadlineNanos;
  private final Transport transport;
  private final AtomicBoolean stop;
  private final SplittableRandom random;
  private final StreamPlanner planner;
  private final OtlpItems items;
  private final RequestBatch.Spans spans;
  private final RequestBatch.Logs logs;
  private final int concurrency;
  private volatile Throwable failure;

  /**
   * @param streamBudget streams to run, 0 = unlimited
   * @param ratePerSecond this worker's open-loop stream rate, 0 = closed loop
   * @param deadlineNanos {@link System#nanoTime()} after which no stream starts, 0 = none
   */
  LoadWorker(LoadGenOptions o, long seed, long streamBudget, double ratePerSecond, long deadlineNanos,
      Transport transport, AtomicBoolean stop) {
    this.o = o;
    this.streamBudget = streamBudget;
    this.ratePerSecond = ratePerSecond;
    this.deadlineNanos = deadlineNanos;
    this.transport = transport;
    this.stop = stop;
    this.random = new SplittableRandom(seed);
    this.planner = new StreamPlanner(o, random.split());
    this.items = new OtlpItems(o);
    this.spans = new RequestBatch.Spans(items, o.services.size());
    this.logs = new RequestBatch.Logs(items, o.services.size());
    int k = o.concurrentStreams;
    if (ratePerSecond > 0) {
      k = (int) Math.min(k, Math.max(1, Math.ceil(ratePerSecond * o.meanStreamSeconds())));
    }
    if (streamBudget > 0) {
      k = (int) Math.min(k, streamBudget);
    }
    this.concurrency = k;
  }

  /** The exception that ended {@link #run} early, if any. */
  Throwable failure() {
    return failure;
  }

  @Override
  public void run() {
    try {
      loop();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (RuntimeException | Error e) {
      failure = e;
    }
  }

  private void loop() throws InterruptedException {
    VirtualStream[] active = new VirtualStream[concurrency];
    int n = 0;
    long started = 0;
    boolean open = ratePerSecond > 0;
    double stepNanos = open ? 1e9 / (ratePerSecond * StreamPlanner.meanSteps(o)) : 0;
    long t0 = System.nanoTime();
    long steps = 0;
    boolean starting = true;
    while (true) {
      if (starting && ((steps & 63) == 0 || open)) {
        starting = !stop.get() && (streamBudget == 0 || started < streamBudget)
            && (deadlineNanos == 0 || System.nanoTime() - deadlineNanos < 0);
      }
      if (starting && streamBudget > 0 && started >= streamBudget) {
        starting = false;
      }
      if (starting && n < concurrency) {
        active[n++] = planner.next(wallNanos());
        started++;
        continue;
      }
      if (n == 0) {
        break;
      }
      int idx = n == 1 ? 0 : random.nextInt(n);
      if (emit(active[idx])) {
        if (starting && (streamBudget == 0 || started < streamBudget)) {
          active[idx] = planner.next(wallNanos());
          started++;
        } else {
          active[idx] = active[--n];
          active[n] = null;
        }
      }
      steps++;
      if (open && !stop.get()) {
        pace(t0 + (long) (steps * stepNanos));
      }
    }
    if (spans.items() > 0) {
      flushSpans();
    }
    if (logs.items() > 0) {
      flushLogs();
    }
  }

  /** Waits until {@code due}, flushing batches that reach the batch timeout meanwhile. */
  private void pace(long due) throws InterruptedException {
    long timeout = o.batchTimeoutMs * 1_000_000;
    while (true) {
      long now = System.nanoTime();
      if (spans.items() > 0 && now - spans.firstAddNanos() >= timeout) {
        flushSpans();
      }
      if (logs.items() > 0 && now - logs.firstAddNanos() >= timeout) {
        flushLogs();
      }
      long wait = due - now;
      if (wait <= 0 || stop.get()) {
        return;
      }
      LockSupport.parkNanos(Math.min(wait, timeout));
      if (Thread.interrupted()) {
        throw new InterruptedException();
      }
    }
  }

  /** Emits the next item of {@code s}; true when the stream is complete. */
  private boolean emit(VirtualStream s) throws InterruptedException {
    switch (s.shape) {
      case A -> {
        if (s.next < s.chunks) {
          int i = s.next++;
          s.outputTokens += s.chunkTokens(i);
          addSpan(s, items.chunkSpan(s, i, spanId()), LoadStats.CHUNK_SPANS, 0);
          if (s.next == s.chunks && o.noStreamSpan) {
            spans.counts[LoadStats.STREAMS]++;
            return true;
          }
          return false;
        }
        addSpan(s, items.streamSpan(s, wallNanos()), LoadStats.STREAM_SPANS, 0);
        spans.counts[LoadStats.STREAMS]++;
        return true;
      }
      case B -> {
        addSpan(s, items.streamSpan(s, wallNanos()), LoadStats.STREAM_SPANS, s.chunks);
        spans.counts[LoadStats.STREAMS]++;
        return true;
      }
      case C -> {
        if (s.next < s.chunks) {
          int i = s.next++;
          s.outputTokens += s.chunkTokens(i);
          addLog(s, items.chunkLog(s, i));
          if (s.next == s.chunks && o.noStreamSpan) {
            logs.counts[LoadStats.STREAMS]++;
            return true;
          }
          return false;
        }
        addSpan(s, items.streamSpan(s, wallNanos()), LoadStats.STREAM_SPANS, 0);
        spans.counts[LoadStats.STREAMS]++;
        return true;
      }
      case D -> {
        addSpan(s, items.summarySpan(s, wallNanos()), LoadStats.STREAM_SPANS, 0);
        spans.counts[LoadStats.STREAMS]++;
        return true;
      }
      default -> throw new IllegalStateException(String.valueOf(s.shape));
    }
  }

  private void addSpan(VirtualStream s, Span span, int kind, int chunkEvents) throws InterruptedException {
    if (spans.items() > 0 && spans.bytes() + span.getSerializedSize() + 8 > o.maxRequestBytes) {
      flushSpans();
    }
    spans.add(s.service, s.shape, span, System.nanoTime());
    long[] c = spans.counts;
    c[LoadStats.SPANS]++;
    c[kind]++;
    c[LoadStats.EVENTS] += span.getEventsCount();
    c[LoadStats.CHUNK_EVENTS] += chunkEvents;
    if (spans.items() >= o.spansPerRequest) {
      flushSpans();
    }
  }

  private void addLog(VirtualStream s, LogRecord log) throws InterruptedException {
    if (logs.items() > 0 && logs.bytes() + log.getSerializedSize() + 8 > o.maxRequestBytes) {
      flushLogs();
    }
    logs.add(s.service, s.shape, log, System.nanoTime());
    logs.counts[LoadStats.LOGS]++;
    logs.counts[LoadStats.CHUNK_LOGS]++;
    if (logs.items() >= o.spansPerRequest) {
      flushLogs();
    }
  }

  private void flushSpans() throws InterruptedException {
    long[][] c = new long[1][];
    transport.send(spans.build(c), c[0]);
  }

  private void flushLogs() throws InterruptedException {
    long[][] c = new long[1][];
    transport.send(logs.build(c), c[0]);
  }

  private byte[] spanId() {
    return StreamPlanner.spanId(random);
  }

  static long wallNanos() {
    Instant now = Instant.now();
    return now.getEpochSecond() * 1_000_000_000L + now.getNano();
  }
}
