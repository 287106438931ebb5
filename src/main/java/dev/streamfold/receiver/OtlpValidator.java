package dev.streamfold.receiver;

import dev.streamfold.otlp.ItemChecks;
import dev.streamfold.otlp.OtlpSignal;
import dev.streamfold.otlp.Regroup;
import dev.streamfold.time.Clock;
import io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import java.time.Duration;
import java.util.BitSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Per-item validation of decoded OTLP requests (SPEC 6 "bad input"), one routine for every
 * signal ({@link OtlpSignal}); the rules are {@link ItemChecks}. Invalid items are removed and
 * the rest of the request is kept; a request in which nothing is invalid is returned as is (no
 * copy). An invalid resource or scope rejects all its items. Metrics are not validated, only
 * counted. Stateless apart from the clock; thread-safe.
 */
final class OtlpValidator {
  static final int MAX_ATTRIBUTES = ItemChecks.MAX_ATTRIBUTES;
  static final int MAX_DEPTH = ItemChecks.MAX_DEPTH;
  static final Duration MAX_FUTURE = ItemChecks.MAX_FUTURE;
  /** Distinct reasons named in a partial_success message. */
  private static final int MESSAGE_REASONS = 3;

  private final Clock clock;

  OtlpValidator(Clock clock) {
    this.clock = clock;
  }

  /**
   * Outcome of validating one request.
   *
   * @param request the request to hand on: the original when {@code rejected == 0}
   * @param items units of the valid items kept (spans, log records or metric data points)
   * @param spanEvents span events on the kept spans (traces only, else 0)
   * @param rejected items removed
   * @param message empty when nothing was rejected, else names the first few reasons
   */
  record Result<T>(T request, long items, long spanEvents, long rejected, String message) {}

  Result<ExportTraceServiceRequest> traces(ExportTraceServiceRequest request) {
    return validate(OtlpSignal.TRACES, request);
  }

  Result<ExportLogsServiceRequest> logs(ExportLogsServiceRequest request) {
    return validate(OtlpSignal.LOGS, request);
  }

  Result<ExportMetricsServiceRequest> metrics(ExportMetricsServiceRequest request) {
    return validate(OtlpSignal.METRICS, request);
  }

  <Req, R, S, I> Result<Req> validate(OtlpSignal<Req, R, S, I, ?> sig, Req request) {
    long futureLimit = futureLimitNanos();
    boolean checked = sig.validated();
    Rejections rejections = null;
    long units = 0;
    long extra = 0;
    int index = 0;
    for (R rg : sig.resources(request)) {
      String resourceProblem = checked ? ItemChecks.checkResource(sig.resource(rg)) : null;
      for (S sg : sig.scopes(rg)) {
        String scopeProblem = resourceProblem != null || !checked ? resourceProblem : ItemChecks.checkScope(sig.scope(sg));
        for (I item : sig.items(sg)) {
          String problem = scopeProblem != null || !checked ? scopeProblem : sig.check(item, futureLimit);
          if (problem == null) {
            units += sig.units(item);
            extra += sig.extraUnits(item);
          } else {
            if (rejections == null) {
              rejections = new Rejections();
            }
            rejections.reject(index, problem);
          }
          index++;
        }
      }
    }
    if (rejections == null) {
      return new Result<>(request, units, extra, 0, "");
    }
    return new Result<>(
        remove(sig, request, rejections.indexes), units, extra, rejections.count, rejections.message(sig.itemName()));
  }

  private long futureLimitNanos() {
    long nowMillis = clock.epochMillis();
    return Math.multiplyExact(nowMillis, 1_000_000L) + MAX_FUTURE.toNanos();
  }

  /** Removes the rejected items (by request-order index); only groups holding one are rebuilt. */
  private static <Req, R, S, I> Req remove(OtlpSignal<Req, R, S, I, ?> sig, Req request, BitSet rejected) {
    int[] index = {0};
    List<R> kept = Regroup.map(sig, sig.resources(request), (rg, sg, item) -> rejected.get(index[0]++) ? null : item).groups(0);
    return sig.request(kept);
  }

  /** Rejected item indexes (in request order) and a count per reason. */
  private static final class Rejections {
    final BitSet indexes = new BitSet();
    final Map<String, long[]> reasons = new LinkedHashMap<>();
    long count;

    void reject(int index, String reason) {
      indexes.set(index);
      count++;
      long[] c = reasons.get(reason);
      if (c != null) {
        c[0]++;
      } else if (reasons.size() <= MESSAGE_REASONS) {
        reasons.put(reason, new long[] {1});
      }
    }

    String message(String unit) {
      StringBuilder sb = new StringBuilder();
      sb.append(count).append(' ').append(unit).append(count == 1 ? "" : "s").append(" rejected: ");
      int i = 0;
      for (Map.Entry<String, long[]> e : reasons.entrySet()) {
        if (i == MESSAGE_REASONS) {
          sb.append(", ...");
          break;
        }
        if (i > 0) {
          sb.append(", ");
        }
        sb.append(e.getKey()).append(" (").append(e.getValue()[0]).append(')');
        i++;
      }
      return sb.toString();
    }
  }
}
