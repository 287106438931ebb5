package dev.streamfold.pipeline;

/**
 * The export side's answer to "may the ingress accept a request of this many items?", asked
 * before a request is acknowledged so that backpressure reaches the client instead of data being
 * dropped later. Separate from {@link Downstream} (which only takes data). Thread-safe.
 */
public interface Admission {
  enum Verdict {
    /** There is room now. */
    ADMIT,
    /** Full for now: the client should retry later (gRPC UNAVAILABLE / HTTP 503). */
    RETRY_LATER,
    /**
     * The export queue has room for the request but not also for what is admitted upstream and
     * not yet processed ({@code pending}): the window is behind. Retry later, as RETRY_LATER.
     */
    BACKLOG,
    /** The request alone is larger than the queue could ever take: retrying cannot help. */
    NEVER
  }

  /**
   * @param pending items already admitted upstream and not yet handed to the queue (they will
   *     take room too)
   * @param items the request's own items
   */
  Verdict check(long pending, long items);

  /** Why {@link Verdict#NEVER}: names the limit (for the client's error message). */
  String neverReason(long items);

  /**
   * Why a {@link Verdict#RETRY_LATER} or {@link Verdict#BACKLOG} refusal: names the bound, its
   * config key and the figures (for the client's error message; read after the check, so the
   * figures may have moved on).
   */
  default String retryReason(Verdict verdict, long pending, long items) {
    return verdict == Verdict.BACKLOG ? "window backlog counts against the export queue" : "export queue is full";
  }

  /** Admits everything (tests and benchmarks that do not exercise backpressure). */
  Admission ALWAYS =
      new Admission() {
        @Override
        public Verdict check(long pending, long items) {
          return Verdict.ADMIT;
        }

        @Override
        public String neverReason(long items) {
          return "";
        }
      };
}
