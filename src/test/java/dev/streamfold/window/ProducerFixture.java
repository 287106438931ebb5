package dev.streamfold.window;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.streamfold.otlp.OtlpJson;
import io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.NoSuchElementException;

/**
 * A producer recording under {@code src/test/resources/fixtures/}: one OTLP JSON document holding
 * {@code resourceSpans} and/or {@code resourceLogs}, loaded with {@link OtlpJson#merge}. Immutable
 * after loading; lookups by span name (and trace id where a fixture holds several traces).
 */
final class ProducerFixture {
  final String name;
  final ExportTraceServiceRequest traces;
  final ExportLogsServiceRequest logs;

  private ProducerFixture(String name, ExportTraceServiceRequest traces, ExportLogsServiceRequest logs) {
    this.name = name;
    this.traces = traces;
    this.logs = logs;
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
    ExportTraceServiceRequest.Builder t = ExportTraceServiceRequest.newBuilder();
    ExportLogsServiceRequest.Builder l = ExportLogsServiceRequest.newBuilder();
    try {
      // unknown fields are ignored: the trace builder skips resourceLogs and vice versa
      OtlpJson.merge(json, t);
      OtlpJson.merge(json, l);
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException("fixture " + fileName + " is not OTLP JSON", e);
    }
    return new ProducerFixture(fileName, t.build(), l.build());
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
