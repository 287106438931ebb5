package dev.streamfold.otlp;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import dev.streamfold.pipeline.IngestResult;
import dev.streamfold.pipeline.Ingress;
import dev.streamfold.pipeline.Signal;
import dev.streamfold.pipeline.Unit;
import io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest;
import io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceResponse;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceResponse;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;
import io.opentelemetry.proto.common.v1.InstrumentationScope;
import io.opentelemetry.proto.logs.v1.LogRecord;
import io.opentelemetry.proto.logs.v1.ResourceLogs;
import io.opentelemetry.proto.logs.v1.ScopeLogs;
import io.opentelemetry.proto.metrics.v1.Metric;
import io.opentelemetry.proto.metrics.v1.ResourceMetrics;
import io.opentelemetry.proto.metrics.v1.ScopeMetrics;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import java.util.List;

/**
 * Everything the pipeline needs to know about one OTLP signal, said once: how to parse a request,
 * walk and rebuild its tree (request, resource groups {@code R}, scope groups {@code S}, items
 * {@code I}), count its units, validate an item, hand it to the {@link Ingress} and answer with
 * a partial success. The receiver's handler, the validator, the window's router and shards are
 * written once against this description ({@link Regroup} is the one tree rebuild). Immutable;
 * the three instances are {@link #TRACES}, {@link #LOGS} and {@link #METRICS}, described in
 * {@link TraceSignal}, {@link LogSignal} and {@link MetricSignal}.
 */
public abstract class OtlpSignal<Req, R, S, I, Res extends Message> {
  public static final OtlpSignal<ExportTraceServiceRequest, ResourceSpans, ScopeSpans, Span, ExportTraceServiceResponse> TRACES =
      new TraceSignal();
  public static final OtlpSignal<ExportLogsServiceRequest, ResourceLogs, ScopeLogs, LogRecord, ExportLogsServiceResponse> LOGS =
      new LogSignal();
  public static final OtlpSignal<ExportMetricsServiceRequest, ResourceMetrics, ScopeMetrics, Metric, ExportMetricsServiceResponse> METRICS =
      new MetricSignal();

  private final Signal signal;
  private final Unit unit;
  private final Unit extraUnit;
  private final String itemName;

  OtlpSignal(Signal signal, Unit unit, Unit extraUnit, String itemName) {
    this.signal = signal;
    this.unit = unit;
    this.extraUnit = extraUnit;
    this.itemName = itemName;
  }

  /** The description of {@code signal}. */
  public static OtlpSignal<?, ?, ?, ?, ?> of(Signal signal) {
    return switch (signal) {
      case TRACES -> TRACES;
      case LOGS -> LOGS;
      case METRICS -> METRICS;
    };
  }

  public final Signal signal() {
    return signal;
  }

  /** The unit counted per item: span, log record or metric data point. */
  public final Unit unit() {
    return unit;
  }

  /** The unit carried inside items (span events), or null. */
  public final Unit extraUnit() {
    return extraUnit;
  }

  /** What a partial_success message calls one rejected item. */
  public final String itemName() {
    return itemName;
  }

  // ---- parse

  public abstract Req parse(byte[] bytes, int offset, int length) throws InvalidProtocolBufferException;

  /** Parses OTLP JSON (hex ids, see {@link OtlpJson}). */
  public abstract Req parseJson(String json) throws InvalidProtocolBufferException;

  // ---- tree

  public abstract List<R> resources(Req request);

  public abstract List<S> scopes(R resourceGroup);

  public abstract List<I> items(S scopeGroup);

  public abstract Resource resource(R resourceGroup);

  public abstract InstrumentationScope scope(S scopeGroup);

  public abstract R withScopes(R resourceGroup, List<S> scopes);

  public abstract S withItems(S scopeGroup, List<I> items);

  public abstract Req request(List<R> resources);

  // ---- units

  /** Units of one item: 1 span / log record, or a metric's data points. */
  public abstract int units(I item);

  /** Extra units of one item (a span's events), else 0. */
  public int extraUnits(I item) {
    return 0;
  }

  // ---- validate

  /** Whether items, resources and scopes are checked at all (metrics are forwarded unchecked). */
  public boolean validated() {
    return true;
  }

  /** Null when the item is valid, else a short reason ({@link ItemChecks}). */
  public abstract String check(I item, long futureLimitNanos);

  // ---- hand over and answer

  public abstract IngestResult offer(Ingress ingress, Req request);

  /**
   * Whether a validated request carries nothing to forward: no spans or log records; metrics
   * are forwarded while they have a resource group (a metric without points still describes one).
   */
  public boolean nothingToForward(Req request, long units) {
    return units == 0;
  }

  /** The export response: empty when nothing was rejected, else a partial success. */
  public abstract Res response(long rejected, String message);
}
