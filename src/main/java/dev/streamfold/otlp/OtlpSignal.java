package dev.streamfold.otlp;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import dev.streamfold.pipeline.IngestResult;
import dev.streamfold.pipeline.Ingress;
import dev.streamfold.pipeline.Signal;
import dev.streamfold.pipeline.Unit;
import io.opentelemetry.proto.collector.logs.v1.ExportLogsPartialSuccess;
import io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest;
import io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceResponse;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsPartialSuccess;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceResponse;
import io.opentelemetry.proto.collector.trace.v1.ExportTracePartialSuccess;
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
 * the three instances are {@link #TRACES}, {@link #LOGS} and {@link #METRICS}.
 */
public abstract class OtlpSignal<Req, R, S, I, Res extends Message> {
  public static final OtlpSignal<ExportTraceServiceRequest, ResourceSpans, ScopeSpans, Span, ExportTraceServiceResponse> TRACES =
      new Traces();
  public static final OtlpSignal<ExportLogsServiceRequest, ResourceLogs, ScopeLogs, LogRecord, ExportLogsServiceResponse> LOGS =
      new Logs();
  public static final OtlpSignal<ExportMetricsServiceRequest, ResourceMetrics, ScopeMetrics, Metric, ExportMetricsServiceResponse> METRICS =
      new Metrics();

  private final Signal signal;
  private final Unit unit;
  private final Unit extraUnit;
  private final String itemName;

  private OtlpSignal(Signal signal, Unit unit, Unit extraUnit, String itemName) {
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

  // ---- the three signals

  private static final class Traces
      extends OtlpSignal<ExportTraceServiceRequest, ResourceSpans, ScopeSpans, Span, ExportTraceServiceResponse> {
    Traces() {
      super(Signal.TRACES, Unit.SPAN, Unit.SPAN_EVENT, "span");
    }

    @Override
    public ExportTraceServiceRequest parse(byte[] b, int off, int len) throws InvalidProtocolBufferException {
      return ExportTraceServiceRequest.parser().parseFrom(b, off, len);
    }

    @Override
    public ExportTraceServiceRequest parseJson(String json) throws InvalidProtocolBufferException {
      ExportTraceServiceRequest.Builder b = ExportTraceServiceRequest.newBuilder();
      OtlpJson.merge(json, b);
      return b.build();
    }

    @Override
    public List<ResourceSpans> resources(ExportTraceServiceRequest r) {
      return r.getResourceSpansList();
    }

    @Override
    public List<ScopeSpans> scopes(ResourceSpans rg) {
      return rg.getScopeSpansList();
    }

    @Override
    public List<Span> items(ScopeSpans sg) {
      return sg.getSpansList();
    }

    @Override
    public Resource resource(ResourceSpans rg) {
      return rg.getResource();
    }

    @Override
    public InstrumentationScope scope(ScopeSpans sg) {
      return sg.getScope();
    }

    @Override
    public ResourceSpans withScopes(ResourceSpans rg, List<ScopeSpans> scopes) {
      return rg.toBuilder().clearScopeSpans().addAllScopeSpans(scopes).build();
    }

    @Override
    public ScopeSpans withItems(ScopeSpans sg, List<Span> items) {
      return sg.toBuilder().clearSpans().addAllSpans(items).build();
    }

    @Override
    public ExportTraceServiceRequest request(List<ResourceSpans> resources) {
      return ExportTraceServiceRequest.newBuilder().addAllResourceSpans(resources).build();
    }

    @Override
    public int units(Span item) {
      return 1;
    }

    @Override
    public int extraUnits(Span item) {
      return item.getEventsCount();
    }

    @Override
    public String check(Span item, long futureLimitNanos) {
      return ItemChecks.checkSpan(item, futureLimitNanos);
    }

    @Override
    public IngestResult offer(Ingress ingress, ExportTraceServiceRequest request) {
      return ingress.traces(request);
    }

    @Override
    public ExportTraceServiceResponse response(long rejected, String message) {
      if (rejected == 0) {
        return ExportTraceServiceResponse.getDefaultInstance();
      }
      return ExportTraceServiceResponse.newBuilder()
          .setPartialSuccess(ExportTracePartialSuccess.newBuilder().setRejectedSpans(rejected).setErrorMessage(message))
          .build();
    }
  }

  private static final class Logs
      extends OtlpSignal<ExportLogsServiceRequest, ResourceLogs, ScopeLogs, LogRecord, ExportLogsServiceResponse> {
    Logs() {
      super(Signal.LOGS, Unit.LOG_RECORD, null, "log record");
    }

    @Override
    public ExportLogsServiceRequest parse(byte[] b, int off, int len) throws InvalidProtocolBufferException {
      return ExportLogsServiceRequest.parser().parseFrom(b, off, len);
    }

    @Override
    public ExportLogsServiceRequest parseJson(String json) throws InvalidProtocolBufferException {
      ExportLogsServiceRequest.Builder b = ExportLogsServiceRequest.newBuilder();
      OtlpJson.merge(json, b);
      return b.build();
    }

    @Override
    public List<ResourceLogs> resources(ExportLogsServiceRequest r) {
      return r.getResourceLogsList();
    }

    @Override
    public List<ScopeLogs> scopes(ResourceLogs rg) {
      return rg.getScopeLogsList();
    }

    @Override
    public List<LogRecord> items(ScopeLogs sg) {
      return sg.getLogRecordsList();
    }

    @Override
    public Resource resource(ResourceLogs rg) {
      return rg.getResource();
    }

    @Override
    public InstrumentationScope scope(ScopeLogs sg) {
      return sg.getScope();
    }

    @Override
    public ResourceLogs withScopes(ResourceLogs rg, List<ScopeLogs> scopes) {
      return rg.toBuilder().clearScopeLogs().addAllScopeLogs(scopes).build();
    }

    @Override
    public ScopeLogs withItems(ScopeLogs sg, List<LogRecord> items) {
      return sg.toBuilder().clearLogRecords().addAllLogRecords(items).build();
    }

    @Override
    public ExportLogsServiceRequest request(List<ResourceLogs> resources) {
      return ExportLogsServiceRequest.newBuilder().addAllResourceLogs(resources).build();
    }

    @Override
    public int units(LogRecord item) {
      return 1;
    }

    @Override
    public String check(LogRecord item, long futureLimitNanos) {
      return ItemChecks.checkLog(item, futureLimitNanos);
    }

    @Override
    public IngestResult offer(Ingress ingress, ExportLogsServiceRequest request) {
      return ingress.logs(request);
    }

    @Override
    public ExportLogsServiceResponse response(long rejected, String message) {
      if (rejected == 0) {
        return ExportLogsServiceResponse.getDefaultInstance();
      }
      return ExportLogsServiceResponse.newBuilder()
          .setPartialSuccess(ExportLogsPartialSuccess.newBuilder().setRejectedLogRecords(rejected).setErrorMessage(message))
          .build();
    }
  }

  private static final class Metrics
      extends OtlpSignal<ExportMetricsServiceRequest, ResourceMetrics, ScopeMetrics, Metric, ExportMetricsServiceResponse> {
    Metrics() {
      super(Signal.METRICS, Unit.METRIC_POINT, null, "data point");
    }

    @Override
    public ExportMetricsServiceRequest parse(byte[] b, int off, int len) throws InvalidProtocolBufferException {
      return ExportMetricsServiceRequest.parser().parseFrom(b, off, len);
    }

    @Override
    public ExportMetricsServiceRequest parseJson(String json) throws InvalidProtocolBufferException {
      ExportMetricsServiceRequest.Builder b = ExportMetricsServiceRequest.newBuilder();
      OtlpJson.merge(json, b);
      return b.build();
    }

    @Override
    public List<ResourceMetrics> resources(ExportMetricsServiceRequest r) {
      return r.getResourceMetricsList();
    }

    @Override
    public List<ScopeMetrics> scopes(ResourceMetrics rg) {
      return rg.getScopeMetricsList();
    }

    @Override
    public List<Metric> items(ScopeMetrics sg) {
      return sg.getMetricsList();
    }

    @Override
    public Resource resource(ResourceMetrics rg) {
      return rg.getResource();
    }

    @Override
    public InstrumentationScope scope(ScopeMetrics sg) {
      return sg.getScope();
    }

    @Override
    public ResourceMetrics withScopes(ResourceMetrics rg, List<ScopeMetrics> scopes) {
      return rg.toBuilder().clearScopeMetrics().addAllScopeMetrics(scopes).build();
    }

    @Override
    public ScopeMetrics withItems(ScopeMetrics sg, List<Metric> items) {
      return sg.toBuilder().clearMetrics().addAllMetrics(items).build();
    }

    @Override
    public ExportMetricsServiceRequest request(List<ResourceMetrics> resources) {
      return ExportMetricsServiceRequest.newBuilder().addAllResourceMetrics(resources).build();
    }

    @Override
    public int units(Metric item) {
      return Items.dataPoints(item);
    }

    @Override
    public boolean validated() {
      return false;
    }

    @Override
    public String check(Metric item, long futureLimitNanos) {
      return null;
    }

    @Override
    public IngestResult offer(Ingress ingress, ExportMetricsServiceRequest request) {
      return ingress.metrics(request);
    }

    @Override
    public boolean nothingToForward(ExportMetricsServiceRequest request, long units) {
      return request.getResourceMetricsCount() == 0;
    }

    @Override
    public ExportMetricsServiceResponse response(long rejected, String message) {
      if (rejected == 0) {
        return ExportMetricsServiceResponse.getDefaultInstance();
      }
      return ExportMetricsServiceResponse.newBuilder()
          .setPartialSuccess(ExportMetricsPartialSuccess.newBuilder().setRejectedDataPoints(rejected).setErrorMessage(message))
          .build();
    }
  }
}
