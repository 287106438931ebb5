/**
 * SPEC 4 metrics on micrometer. Entry point: {@link dev.streamfold.telemetry.Telemetry}.
 *
 * <p>Design decisions, for reviewers:
 *
 * <ul>
 *   <li><b>Registries.</b> A Prometheus registry (served by
 *       {@link dev.streamfold.telemetry.MetricsServer}) and an OTLP registry (pushed through an
 *       {@link dev.streamfold.telemetry.OtlpMetricsPush}); every meter, JVM and process metrics
 *       included, goes to both. Meters are registered on the enabled registry itself, through a
 *       {@code CompositeMeterRegistry} only when both are enabled: a composite meter forwards
 *       every observation to its children, a cost per value with nothing to buy for one child.
 *   <li><b>Seconds histograms are micrometer Timers</b> recorded in nanoseconds: micrometer bins a
 *       {@code DistributionSummary} on {@code ceil(value)}, which would put 15 ms above the 0.04 s
 *       bucket. Token usage and tokens/s are summaries: for whole-number bounds
 *       {@code ceil(v) <= b} exactly when {@code v <= b}, hence config validation requires whole
 *       bounds there.
 *   <li><b>Buckets</b> are micrometer service-level objectives with percentile histograms off, so
 *       the exposition has exactly the configured {@code le} values plus {@code +Inf}.
 *       Micrometer's {@code _max} gauges of these histograms are filtered out of the scrape and
 *       not pushed.
 *   <li><b>Names.</b> {@link dev.streamfold.telemetry.PrometheusNames} maps unit {@code s} to the
 *       {@code _seconds} suffix and adds no suffix for UCUM annotations ({@code {token}}), which
 *       gives the pinned Prometheus names. OTLP keeps the dotted OTel names and UCUM units
 *       ({@code s}, {@code {token}}, {@code {token}/s}, {@code {stream}}).
 *   <li><b>Label keys.</b> Every series of a metric has the same keys; absent = {@code ""}. The
 *       overflow series is {@code otel_metric_overflow="true"} with every other label empty; normal
 *       series carry {@code otel_metric_overflow=""} (equal to absent for Prometheus queries). In
 *       OTLP, empty-valued attributes are dropped, so only the overflow point has
 *       {@code otel.metric.overflow}.
 *   <li><b>Exemplars.</b> The stream's ids are put in a thread-local around the record calls; the
 *       Prometheus registry reads it through a {@code SpanContext}, the OTLP registry through an
 *       {@code ExemplarContextProvider}. OpenMetrics output carries them on buckets and counters
 *       only (OpenMetrics 1.0; micrometer's default would also put them on {@code _count}).
 *       The Prometheus client keeps at most one new exemplar per series per 90 ms.
 *   <li><b>Scope.</b> Micrometer's OTLP registry writes no instrumentation scope; the sender
 *       rewrites each request to scope {@code dev.streamfold} and unit {@code seconds} to
 *       {@code s}.
 *   <li><b>Token usage</b> is recorded only when the token source is not {@code none}, for each
 *       of input and output that has a count.
 * </ul>
 */
package dev.streamfold.telemetry;
