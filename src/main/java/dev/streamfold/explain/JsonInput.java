package dev.streamfold.explain;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import dev.streamfold.otlp.OtlpJson;
import dev.streamfold.pipeline.Signal;
import io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads OTLP JSON text in the forms a user has at hand: JSON lines (one export request per line,
 * as the file exporter of streamfold or of an OpenTelemetry Collector writes them), one OTLP/HTTP
 * JSON body (possibly pretty-printed, possibly holding {@code resourceSpans} and
 * {@code resourceLogs} together), or an ordered recording ({@code requests}: each with
 * {@code signal}, {@code arrivedUnixMs} and {@code json} or {@code protobufBase64}, as the
 * producer fixtures are recorded). A bad line or request is reported with its line and the rest is
 * still read. Stateless.
 */
final class JsonInput {
  private static final Pattern GSON_LINE = Pattern.compile("line (\\d+) column (\\d+)");

  private JsonInput() {}

  static void read(String file, String text, List<InputRequest> out, List<InputError> errors) {
    String[] lines = text.split("\n", -1);
    int first = 0;
    while (first < lines.length && lines[first].isBlank()) {
      first++;
    }
    if (first == lines.length) {
      return;
    }
    if (parsesAsObject(lines[first])) {
      for (int i = first; i < lines.length; i++) {
        if (!lines[i].isBlank()) {
          readLine(file, i + 1, lines[i], out, errors);
        }
      }
      return;
    }
    JsonElement doc;
    try {
      doc = JsonParser.parseString(text);
    } catch (JsonParseException e) {
      errors.add(new InputError(file + ":" + gsonLine(e, 1), "invalid JSON: " + rootMessage(e)));
      return;
    }
    if (!doc.isJsonObject()) {
      errors.add(new InputError(file + ":" + (first + 1), "not an OTLP JSON object"));
      return;
    }
    readObject(file + ":" + (first + 1), doc.getAsJsonObject(), out, errors);
  }

  private static boolean parsesAsObject(String line) {
    try {
      return JsonParser.parseString(line).isJsonObject();
    } catch (JsonParseException e) {
      return false;
    }
  }

  private static void readLine(String file, int lineNo, String line, List<InputRequest> out, List<InputError> errors) {
    String where = file + ":" + lineNo;
    JsonElement e;
    try {
      e = JsonParser.parseString(line);
    } catch (JsonParseException ex) {
      errors.add(new InputError(where, "invalid JSON: " + rootMessage(ex)));
      return;
    }
    if (!e.isJsonObject()) {
      errors.add(new InputError(where, "not an OTLP JSON object"));
      return;
    }
    readObject(where, e.getAsJsonObject(), out, errors);
  }

  /** An export request (any of the three signals, several at once) or an ordered recording. */
  private static void readObject(String where, JsonObject o, List<InputRequest> out, List<InputError> errors) {
    if (o.has("requests") && o.get("requests").isJsonArray()) {
      int i = 0;
      for (JsonElement r : o.getAsJsonArray("requests")) {
        readRecorded(where + " requests[" + i++ + "]", r, out, errors);
      }
      return;
    }
    boolean any = false;
    try {
      if (o.has("resourceSpans") || o.has("resource_spans")) {
        any = true;
        out.add(new InputRequest(where, Signal.TRACES, merge(o, ExportTraceServiceRequest.newBuilder()), -1));
      }
      if (o.has("resourceLogs") || o.has("resource_logs")) {
        any = true;
        out.add(new InputRequest(where, Signal.LOGS, merge(o, ExportLogsServiceRequest.newBuilder()), -1));
      }
      if (o.has("resourceMetrics") || o.has("resource_metrics")) {
        any = true;
        out.add(new InputRequest(where, Signal.METRICS, merge(o, ExportMetricsServiceRequest.newBuilder()), -1));
      }
    } catch (InvalidProtocolBufferException e) {
      errors.add(new InputError(where, e.getMessage()));
      return;
    }
    if (!any) {
      errors.add(new InputError(where, "not an OTLP export request: no resourceSpans, resourceLogs or resourceMetrics"));
    }
  }

  private static void readRecorded(String where, JsonElement e, List<InputRequest> out, List<InputError> errors) {
    if (!e.isJsonObject()) {
      errors.add(new InputError(where, "a recorded request must be an object"));
      return;
    }
    JsonObject r = e.getAsJsonObject();
    Signal signal = signal(r.has("signal") ? r.get("signal").getAsString() : "");
    if (signal == null) {
      errors.add(new InputError(where, "signal must be traces, logs or metrics"));
      return;
    }
    long arrived = r.has("arrivedUnixMs") ? r.get("arrivedUnixMs").getAsLong() : -1;
    Message.Builder b = builder(signal);
    try {
      if (r.has("json") && r.get("json").isJsonObject()) {
        b = builderMerged(r.getAsJsonObject("json"), b);
      } else if (r.has("protobufBase64")) {
        b.mergeFrom(Base64.getDecoder().decode(r.get("protobufBase64").getAsString()));
      } else {
        errors.add(new InputError(where, "a recorded request needs json or protobufBase64"));
        return;
      }
    } catch (InvalidProtocolBufferException | IllegalArgumentException ex) {
      errors.add(new InputError(where, ex.getMessage()));
      return;
    }
    out.add(new InputRequest(where, signal, b.build(), arrived));
  }

  static Signal signal(String s) {
    return switch (s) {
      case "traces" -> Signal.TRACES;
      case "logs" -> Signal.LOGS;
      case "metrics" -> Signal.METRICS;
      default -> null;
    };
  }

  static Message.Builder builder(Signal s) {
    return switch (s) {
      case TRACES -> ExportTraceServiceRequest.newBuilder();
      case LOGS -> ExportLogsServiceRequest.newBuilder();
      case METRICS -> ExportMetricsServiceRequest.newBuilder();
    };
  }

  private static Message.Builder builderMerged(JsonObject o, Message.Builder b) throws InvalidProtocolBufferException {
    OtlpJson.merge(o.toString(), b);
    return b;
  }

  private static Message merge(JsonObject o, Message.Builder b) throws InvalidProtocolBufferException {
    return builderMerged(o, b).build();
  }

  /** The document line of a gson syntax error, else {@code fallback}. */
  private static int gsonLine(Exception e, int fallback) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      Matcher m = GSON_LINE.matcher(String.valueOf(t.getMessage()));
      if (m.find()) {
        return Integer.parseInt(m.group(1));
      }
    }
    return fallback;
  }

  private static String rootMessage(Throwable e) {
    Throwable t = e;
    while (t.getCause() != null) {
      t = t.getCause();
    }
    String m = t.getMessage();
    return m == null ? t.getClass().getSimpleName() : m;
  }
}
