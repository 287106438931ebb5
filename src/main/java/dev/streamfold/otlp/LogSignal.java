package dev.streamfold.otlp;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.streamfold.pipeline.IngestResult;
import dev.streamfold.pipeline.Ingress;
import dev.streamfold.pipeline.Signal;
import dev.streamfold.pipeline.Unit;
import io.opentelemetry.proto.collector.logs.v1.ExportLogsPartialSuccess;
import io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest;
import io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceResponse;
import io.opentelemetry.proto.common.v1.InstrumentationScope;
import io.opentelemetry.proto.logs.v1.LogRecord;
import io.opentelemetry.proto.logs.v1.ResourceLogs;
import io.opentelemetry.proto.logs.v1.ScopeLogs;
import io.opentelemetry.proto.resource.v1.Resource;
import java.util.List;

/** The logs signal ({@link OtlpSignal#LOGS}): log records. */
final class LogSignal
    extends OtlpSignal<ExportLogsServiceRequest, ResourceLogs, ScopeLogs, LogRecord, ExportLogsServiceResponse> {
  LogSignal() {
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
