package dev.streamfold.export;

import dev.streamfold.telemetry.Reasons;
import dev.streamfold.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;

/**
 * The retry step in front of an {@link Exporter}: sends one batch until the downstream accepts
 * it, refuses it for good, or the {@link RetryPolicy} gives up, waiting between attempts on the
 * injected {@link Clock}. A request the downstream refuses as too large is split in halves and
 * each half sent on its own. Every item ends in {@link ExportCounters} unless shutdown abandons the
 * batch (then the caller decides: counted as {@code shutdown}, or left in the persistent queue).
 * Thread-safe; one call per consumer thread at a time.
 */
final class RetrySender {
  private final Exporter exporter;
  private final RetryPolicy policy;
  private final Clock clock;
  private final Drain drain;
  private final ExportCounters counters;

  RetrySender(Exporter exporter, RetryPolicy policy, Clock clock, Drain drain, ExportCounters counters) {
    this.exporter = exporter;
    this.policy = policy;
    this.clock = clock;
    this.drain = drain;
    this.counters = counters;
  }

  /** @return the items abandoned to shutdown (0 when every item was accounted for) */
  long send(ExportRequest request) {
    long start = clock.nanos();
    int attempt = 0;
    while (true) {
      ExportOutcome o = once(request);
      if (o == null) {
        return request.items();
      }
      switch (o.kind()) {
        case SUCCESS -> {
          counters.delivered(request.signal(), request.items(), o);
          return 0;
        }
        case NON_RETRYABLE -> {
          counters.dropped(request.signal(), Reasons.NON_RETRYABLE, request.items(), o.message());
          return 0;
        }
        case TOO_LARGE -> {
          return sendHalves(request, o);
        }
        case RETRYABLE -> {
          attempt++;
          Duration delay = policy.next(attempt, o.retryAfter(), clock.nanos() - start);
          if (delay == null) {
            counters.dropped(request.signal(), Reasons.RETRIES_EXHAUSTED, request.items(), o.message());
            return 0;
          }
          counters.retrying(request.signal(), request.items(), o.message());
          if (drain.cannotWait(delay)) {
            return request.items(); // waiting would pass the shutdown deadline
          }
          try {
            clock.sleep(delay);
          } catch (InterruptedException e) {
            if (drain.aborted()) {
              return request.items();
            }
          }
        }
      }
    }
  }

  /**
   * The downstream refused the request as too large: send each half on its own (recursively),
   * so only an item that is too large by itself is lost, counted as {@code too_large}.
   */
  private long sendHalves(ExportRequest request, ExportOutcome o) {
    List<ExportRequest> halves = SignalOps.halve(request);
    if (halves == null) {
      counters.dropped(request.signal(), Reasons.TOO_LARGE, request.items(), o.message());
      return 0;
    }
    long abandoned = 0;
    for (ExportRequest half : halves) {
      abandoned += send(half);
    }
    return abandoned;
  }

  /** One attempt; {@code null} when shutdown aborted it. */
  private ExportOutcome once(ExportRequest request) {
    if (drain.aborted()) {
      return null;
    }
    CompletableFuture<ExportOutcome> f;
    try {
      f = exporter.export(request);
    } catch (RuntimeException e) {
      return ExportOutcome.nonRetryable("exporter failed: " + e);
    }
    try {
      ExportOutcome o = f.get();
      return o != null ? o : ExportOutcome.retryable(null, "exporter returned no outcome");
    } catch (InterruptedException e) {
      f.cancel(true);
      return drain.aborted() ? null : ExportOutcome.retryable(null, "interrupted");
    } catch (ExecutionException | CancellationException e) {
      return ExportOutcome.retryable(null, "export failed: " + e);
    }
  }
}
