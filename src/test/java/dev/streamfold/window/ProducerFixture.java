package dev.streamfold.window;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import dev.streamfold.otlp.OtlpJson;
import io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.logs.v1.LogRecord;
import io.opentelemetry.proto.logs.v1.ResourceLogs;
import io.opentelemetry.proto.logs.v1.ScopeLogs;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.NoSuchElementException;

/**
 * A producer recording under {@code src/test/resources/fixtures/}, in one of two forms:
 *
 * <ul>
 *   <li>one OTLP JSON document holding {@code resourceSpans} and/or {@code resourceLogs}, loaded
 *       with {@link OtlpJson#merge}; its {@link #requests} are the traces, then the logs;
 *   <li>an ordered recording (fixtures/record/lib/otlp-arrivals.mjs): {@code _recorded} (what was
 *       run, the fake server's timing) and {@code requests}, the export requests in the order they
 *       reached the sink, each with its signal, transport, arrival time and body as OTLP JSON
 *       ({@code json}) or as the protobuf bytes that arrived ({@code protobufBase64}).
 * </ul>
 *
 * {@link #traces} and {@link #logs} hold every request's content merged. Immutable after loading;
 * lookups by span name (and trace id where a fixture holds several traces).
 */
final class ProducerFixture {
  /** One export request as it arrived; message is an Export{Trace,Logs,Metrics}ServiceRequest. */
  record Request(String signal, String transport, long arrivedUnixMs, Message message) {}

  final String name;
  final ExportTraceServiceRequest traces;
  final ExportLogsServiceRequest logs;
  final List<Request> requests;
  /** The ordered recording's {@code _recorded} object; empty for plain documents. */
  final JsonObject recorded;

  private ProducerFixture(String name, List<Request> requests, JsonObject recorded) {
    this.name = name;
    this.requests = List.copyOf(requests);
    this.recorded = recorded;
    ExportTraceServiceRequest.Builder t = ExportTraceServiceRequest.newBuilder();
    ExportLogsServiceRequest.Builder l = ExportLogsServiceRequest.newBuilder();
    for (Request r : requests) {
      if (r.message instanceof ExportTraceServiceRequest tr) {
        t.addAllResourceSpans(tr.getResourceSpansList());
      } else if (r.message instanceof ExportLogsServiceRequest lr) {
        l.addAllResourceLogs(lr.getResourceLogsList());
      }
    }
    this.traces = t.build();
    this.logs = l.build();
  }

  static ProducerFixture load(String fileName) {
    String json;
    try (InputStream in = ProducerFixture.class.getResourceAsStream("/fixtures/" + fileName)) {
      if (in == null) {
        throw new IllegalArgumentException("no fixture " + fileName);
      }
      json = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    try {
      JsonObject root = JsonParser.parseString(json).getAsJsonObject();
      if (root.has("requests")) {
        List<Request> requests = new ArrayList<>();
        for (JsonElement e : root.getAsJsonArray("requests")) {
          requests.add(request(e.getAsJsonObject()));
        }
        return new ProducerFixture(fileName, requests, root.getAsJsonObject("_recorded"));
      }
      // unknown fields are ignored: the trace builder skips resourceLogs and vice versa
      ExportTraceServiceRequest.Builder t = ExportTraceServiceRequest.newBuilder();
      ExportLogsServiceRequest.Builder l = ExportLogsServiceRequest.newBuilder();
      OtlpJson.merge(json, t);
      OtlpJson.merge(json, l);
      List<Request> requests = new ArrayList<>();
      if (t.getResourceSpansCount() > 0) {
        requests.add(new Request("traces", "document", 0, t.build()));
      }
      if (l.getResourceLogsCount() > 0) {
        requests.add(new Request("logs", "document", 0, l.build()));
      }
      return new ProducerFixture(fileName, requests, new JsonObject());
    } catch (InvalidProtocolBufferException | RuntimeException e) {
      throw new IllegalStateException("fixture " + fileName + " is not OTLP JSON nor an ordered recording: " + e.getMessage(), e);
    }
  }

  private static Request request(JsonObject r) throws InvalidProtocolBufferException {
    String signal = r.get("signal").getAsString();
    Message.Builder b = switch (signal) {
      case "traces" -> ExportTraceServiceRequest.newBuilder();
      case "logs" -> ExportLogsServiceRequest.newBuilder();
      case "metrics" -> ExportMetricsServiceRequest.newBuilder();
      default -> throw new IllegalStateException("unknown signal " + signal);
    };
    if (r.has("json")) {
      OtlpJson.merge(r.get("json").toString(), b);
    } else {
      b.mergeFrom(Base64.getDecoder().decode(r.get("protobufBase64").getAsString()));
    }
    return new Request(signal, r.get("transport").getAsString(), r.get("arrivedUnixMs").getAsLong(), b.build());
  }

  /** A number in {@code _recorded}, by a dotted path such as {@code fakeServer.measuredUnixMs.firstContentSent}. */
  long recordedLong(String path) {
    JsonElement e = recorded;
    for (String part : path.split("\\.")) {
      e = e.getAsJsonObject().get(part);
      if (e == null) {
        throw new NoSuchElementException(name + ": no _recorded." + path);
      }
    }
    return e.getAsLong();
  }

  /** Every log record, in file order. */
  List<LogRecord> logRecords() {
    List<LogRecord> out = new ArrayList<>();
    for (ResourceLogs rl : logs.getResourceLogsList()) {
      for (ScopeLogs sl : rl.getScopeLogsList()) {
        out.addAll(sl.getLogRecordsList());
      }
    }
    return out;
  }

  List<Span> spans() {
    List<Span> out = new ArrayList<>();
    for (ResourceSpans rs : traces.getResourceSpansList()) {
      for (ScopeSpans ss : rs.getScopeSpansList()) {
        out.addAll(ss.getSpansList());
      }
    }
    return out;
  }

  /** The only span with this name. */
  Span span(String spanName) {
    List<Span> found = spans().stream().filter(s -> s.getName().equals(spanName)).toList();
    if (found.size() != 1) {
      throw new NoSuchElementException(name + ": " + found.size() + " spans named " + spanName);
    }
    return found.get(0);
  }

  /** The only span with this name in the trace with this (hex) id. */
  Span span(String traceHex, String spanName) {
    return spans().stream()
        .filter(s -> s.getName().equals(spanName) && hex(s.getTraceId().toByteArray()).equals(traceHex))
        .reduce((a, b) -> {
          throw new IllegalStateException(name + ": several " + spanName + " in " + traceHex);
        })
        .orElseThrow(() -> new NoSuchElementException(name + ": no " + spanName + " in " + traceHex));
  }

  /** Spans whose name starts with the prefix, in file order. */
  List<Span> spansStartingWith(String prefix) {
    return spans().stream().filter(s -> s.getName().startsWith(prefix)).toList();
  }

  /** The time of the first event with this name on the span. */
  static long eventTime(Span s, String eventName) {
    return s.getEventsList().stream()
        .filter(e -> e.getName().equals(eventName))
        .findFirst()
        .orElseThrow(() -> new NoSuchElementException(s.getName() + " has no event " + eventName))
        .getTimeUnixNano();
  }

  /** A numeric attribute (int or double) as a double; NaN when absent. */
  static double num(List<KeyValue> attrs, String key) {
    for (KeyValue kv : attrs) {
      if (kv.getKey().equals(key)) {
        AnyValue v = kv.getValue();
        return v.hasIntValue() ? v.getIntValue() : v.getDoubleValue();
      }
    }
    return Double.NaN;
  }

  static double num(Span s, String key) {
    return num(s.getAttributesList(), key);
  }

  /** A string attribute of a log record; null when absent. */
  static String logStr(LogRecord r, String key) {
    for (KeyValue kv : r.getAttributesList()) {
      if (kv.getKey().equals(key)) {
        return kv.getValue().getStringValue();
      }
    }
    return null;
  }

  static String hex(byte[] b) {
    return HexFormat.of().formatHex(b);
  }

  /** Nanoseconds to milliseconds, as the window derives them. */
  static double ms(long nanos) {
    return nanos / 1_000_000.0;
  }

  static double round2(double v) {
    return Math.round(v * 100.0) / 100.0;
  }
}
