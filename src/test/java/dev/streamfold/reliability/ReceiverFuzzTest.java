package dev.streamfold.reliability;

import dev.streamfold.config.TestConfig;
import dev.streamfold.testing.TestServices;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.ByteString;
import com.google.protobuf.Message;
import dev.streamfold.app.Service;
import dev.streamfold.config.StreamfoldConfig;
import dev.streamfold.otlp.Attributes;
import dev.streamfold.otlp.OtlpJson;
import dev.streamfold.testing.FakeCollector;
import dev.streamfold.time.ManualClock;
import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.ClientCalls;
import io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest;
import io.opentelemetry.proto.collector.logs.v1.LogsServiceGrpc;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest;
import io.opentelemetry.proto.collector.metrics.v1.MetricsServiceGrpc;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.TraceServiceGrpc;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.ArrayValue;
import io.opentelemetry.proto.common.v1.InstrumentationScope;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.common.v1.KeyValueList;
import io.opentelemetry.proto.logs.v1.LogRecord;
import io.opentelemetry.proto.logs.v1.ResourceLogs;
import io.opentelemetry.proto.logs.v1.ScopeLogs;
import io.opentelemetry.proto.metrics.v1.Gauge;
import io.opentelemetry.proto.metrics.v1.Metric;
import io.opentelemetry.proto.metrics.v1.NumberDataPoint;
import io.opentelemetry.proto.metrics.v1.ResourceMetrics;
import io.opentelemetry.proto.metrics.v1.ScopeMetrics;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Fuzzing both receivers of a running service (SPEC 6: bad input never crashes, blocks or leaks).
 * A fixed seed drives {@value #PER_TRANSPORT} requests per transport from a few concurrent clients:
 * valid OTLP requests, the same mutated (byte flips, truncation, insertion, duplicated slices),
 * random bytes, random and mutated JSON, wrong content types and paths, gzip garbage and gzip
 * bombs, deep nesting, oversized messages. Every call must be answered within the client deadline
 * with a status from the documented set (never 500 / INTERNAL); afterwards the service still
 * serves and delivers, and thread count, heap after GC and open streams are back to baseline.
 */
class ReceiverFuzzTest {
  static final long SEED = 20261123L;
  static final int PER_TRANSPORT = Integer.getInteger("fuzz.perTransport", 10_000);
  static final int CLIENTS_PER_TRANSPORT = 2;
  static final String PROTOBUF = "application/x-protobuf";
  static final String JSON = "application/json";

  static final MethodDescriptor<byte[], byte[]> TRACES = raw(TraceServiceGrpc.getExportMethod().getFullMethodName());
  static final MethodDescriptor<byte[], byte[]> LOGS = raw(LogsServiceGrpc.getExportMethod().getFullMethodName());
  static final MethodDescriptor<byte[], byte[]> METRICS = raw(MetricsServiceGrpc.getExportMethod().getFullMethodName());

  FakeCollector downstream;
  ManualClock clock;
  Service service;
  final Map<String, AtomicLong> outcomes = new ConcurrentHashMap<>();
  final List<String> failures = java.util.Collections.synchronizedList(new ArrayList<>());

  @BeforeEach
  void start() throws Exception {
    downstream = new FakeCollector();
    clock = new ManualClock();
    StreamfoldConfig cfg = TestServices.config(downstream.endpoint());
    cfg = TestConfig.with(cfg, "receivers.otlp.grpc.threads=2", "receivers.otlp.http.threads=4");
    service = new Service(cfg, clock);
    service.start();
  }

  @AfterEach
  void stop() throws Exception {
    service.stop();
    downstream.close();
  }

  static MethodDescriptor<byte[], byte[]> raw(String fullName) {
    MethodDescriptor.Marshaller<byte[]> m = new MethodDescriptor.Marshaller<>() {
      @Override
      public InputStream stream(byte[] value) {
        return new ByteArrayInputStream(value);
      }

      @Override
      public byte[] parse(InputStream stream) {
        try {
          return stream.readAllBytes();
        } catch (IOException e) {
          throw new java.io.UncheckedIOException(e);
        }
      }
    };
    return MethodDescriptor.<byte[], byte[]>newBuilder().setType(MethodDescriptor.MethodType.UNARY)
        .setFullMethodName(fullName).setRequestMarshaller(m).setResponseMarshaller(m).build();
  }

  // ---------------------------------------------------------------- valid OTLP

  static ByteString bytes(SplittableRandom r, int n) {
    byte[] b = new byte[n];
    for (int i = 0; i < n; i++) {
      b[i] = (byte) r.nextInt(256);
    }
    b[0] |= 1;
    return ByteString.copyFrom(b);
  }

  static AnyValue value(SplittableRandom r, int depth) {
    switch (r.nextInt(depth > 3 ? 5 : 7)) {
      case 0: return AnyValue.newBuilder().setStringValue("s" + r.nextInt(1000)).build();
      case 1: return AnyValue.newBuilder().setIntValue(r.nextLong()).build();
      case 2: return AnyValue.newBuilder().setDoubleValue(r.nextInt(10) == 0 ? Double.NaN : r.nextDouble() * 1e6).build();
      case 3: return AnyValue.newBuilder().setBoolValue(r.nextBoolean()).build();
      case 4: return AnyValue.newBuilder().setBytesValue(bytes(r, 1 + r.nextInt(8))).build();
      case 5: {
        ArrayValue.Builder a = ArrayValue.newBuilder();
        for (int i = r.nextInt(4); i > 0; i--) {
          a.addValues(value(r, depth + 1));
        }
        return AnyValue.newBuilder().setArrayValue(a).build();
      }
      default: {
        KeyValueList.Builder l = KeyValueList.newBuilder();
        for (int i = r.nextInt(4); i > 0; i--) {
          l.addValues(KeyValue.newBuilder().setKey("k" + i).setValue(value(r, depth + 1)));
        }
        return AnyValue.newBuilder().setKvlistValue(l).build();
      }
    }
  }

  static final String[] KEYS = {"gen_ai.request.model", "gen_ai.usage.output_tokens", "llm_stream.chunk.tokens", "gen_ai.request.stream",
      "llm_stream.stream_id", "ttft_ms", "sampling_ms", "stream.iteration_count", "llm_stream.is_chunk", "service.name", "x"};

  static List<KeyValue> attrs(SplittableRandom r) {
    List<KeyValue> out = new ArrayList<>();
    for (int i = r.nextInt(5); i > 0; i--) {
      out.add(KeyValue.newBuilder().setKey(KEYS[r.nextInt(KEYS.length)]).setValue(value(r, 1)).build());
    }
    return out;
  }

  /** Fixed (2025-06-15), so the inputs depend on the seed only; in the past, so the future-timestamp check does not apply. */
  static final long NOW_NANOS = 1_750_000_000_000_000_000L;

  static ExportTraceServiceRequest validTraces(SplittableRandom r) {
    ByteString trace = bytes(r, 16);
    ByteString streamId = bytes(r, 8);
    List<Span> spans = new ArrayList<>();
    long t = NOW_NANOS - 60_000_000_000L;
    int n = 1 + r.nextInt(12);
    for (int i = 0; i < n; i++) {
      Span.Builder s = Span.newBuilder().setTraceId(trace).setSpanId(bytes(r, 8)).setStartTimeUnixNano(t + i * 1000).setEndTimeUnixNano(t + i * 1000 + 500)
          .addAllAttributes(attrs(r));
      switch (r.nextInt(4)) {
        case 0 -> s.setParentSpanId(streamId).setName("respond::chunk_" + i);
        case 1 -> s.setSpanId(streamId).setName("chat").addAttributes(Attributes.of("gen_ai.request.stream", true))
            .addEvents(Span.Event.newBuilder().setName("gen_ai.content.completion.chunk").setTimeUnixNano(t + 5));
        case 2 -> s.setName("plain").addEvents(Span.Event.newBuilder().setName("e").setTimeUnixNano(t).addAllAttributes(attrs(r)));
        default -> s.setName("qwen-code.llm_request").addAttributes(Attributes.of("ttft_ms", 12.5)).addAttributes(Attributes.of("sampling_ms", 100L));
      }
      spans.add(s.build());
    }
    return ExportTraceServiceRequest.newBuilder().addResourceSpans(ResourceSpans.newBuilder()
        .setResource(Resource.newBuilder().addAllAttributes(attrs(r)).addAttributes(Attributes.of("service.name", "fuzz")))
        .addScopeSpans(ScopeSpans.newBuilder().setScope(InstrumentationScope.newBuilder().setName("fuzz")).addAllSpans(spans))).build();
  }

  static ExportLogsServiceRequest validLogs(SplittableRandom r) {
    ByteString trace = bytes(r, 16);
    ByteString span = bytes(r, 8);
    ScopeLogs.Builder sl = ScopeLogs.newBuilder();
    for (int i = 1 + r.nextInt(8); i > 0; i--) {
      LogRecord.Builder l = LogRecord.newBuilder().setTimeUnixNano(NOW_NANOS - i).addAllAttributes(attrs(r));
      if (r.nextBoolean()) {
        l.setTraceId(trace).setSpanId(span).setEventName("gen_ai.content.completion.chunk");
      } else {
        l.setBody(value(r, 1));
      }
      sl.addLogRecords(l);
    }
    return ExportLogsServiceRequest.newBuilder().addResourceLogs(ResourceLogs.newBuilder().addScopeLogs(sl)).build();
  }

  static ExportMetricsServiceRequest validMetrics(SplittableRandom r) {
    Gauge.Builder g = Gauge.newBuilder();
    for (int i = 1 + r.nextInt(4); i > 0; i--) {
      g.addDataPoints(NumberDataPoint.newBuilder().setTimeUnixNano(NOW_NANOS).setAsDouble(r.nextDouble()).addAllAttributes(attrs(r)));
    }
    return ExportMetricsServiceRequest.newBuilder().addResourceMetrics(ResourceMetrics.newBuilder()
        .addScopeMetrics(ScopeMetrics.newBuilder().addMetrics(Metric.newBuilder().setName("fuzz.metric").setGauge(g)))).build();
  }

  /** 0 traces, 1 logs, 2 metrics. */
  static Message valid(SplittableRandom r, int signal) {
    return switch (signal) {
      case 0 -> validTraces(r);
      case 1 -> validLogs(r);
      default -> validMetrics(r);
    };
  }

  static byte[] deepProtobuf(int depth) {
    AnyValue v = AnyValue.newBuilder().setStringValue("leaf").build();
    for (int i = 0; i < depth; i++) {
      v = AnyValue.newBuilder().setArrayValue(ArrayValue.newBuilder().addValues(v)).build();
    }
    Span s = Span.newBuilder().setTraceId(ByteString.copyFrom(new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16}))
        .setSpanId(ByteString.copyFrom(new byte[] {1, 2, 3, 4, 5, 6, 7, 8})).setName("deep").setStartTimeUnixNano(NOW_NANOS)
        .setEndTimeUnixNano(NOW_NANOS).addAttributes(KeyValue.newBuilder().setKey("deep").setValue(v)).build();
    return ExportTraceServiceRequest.newBuilder().addResourceSpans(ResourceSpans.newBuilder().addScopeSpans(ScopeSpans.newBuilder().addSpans(s)))
        .build().toByteArray();
  }

  // ---------------------------------------------------------------- mutations

  static byte[] mutate(SplittableRandom r, byte[] in) {
    byte[] b = in;
    for (int round = 1 + r.nextInt(3); round > 0; round--) {
      if (b.length == 0) {
        return randomBytes(r, 1 + r.nextInt(64));
      }
      switch (r.nextInt(5)) {
        case 0 -> { // byte flips
          b = b.clone();
          for (int i = 1 + r.nextInt(8); i > 0; i--) {
            b[r.nextInt(b.length)] ^= (byte) (1 + r.nextInt(255));
          }
        }
        case 1 -> b = java.util.Arrays.copyOf(b, r.nextInt(b.length)); // truncation
        case 2 -> { // insertion
          int at = r.nextInt(b.length + 1);
          byte[] ins = randomBytes(r, 1 + r.nextInt(16));
          byte[] out = new byte[b.length + ins.length];
          System.arraycopy(b, 0, out, 0, at);
          System.arraycopy(ins, 0, out, at, ins.length);
          System.arraycopy(b, at, out, at + ins.length, b.length - at);
          b = out;
        }
        case 3 -> { // duplicate a slice
          int from = r.nextInt(b.length);
          int len = 1 + r.nextInt(Math.min(64, b.length - from));
          byte[] out = new byte[b.length + len];
          System.arraycopy(b, 0, out, 0, from + len);
          System.arraycopy(b, from, out, from + len, b.length - from);
          b = out;
        }
        default -> { // varint-ish edge bytes
          b = b.clone();
          b[r.nextInt(b.length)] = (byte) (r.nextBoolean() ? 0xff : 0x80);
        }
      }
    }
    return b;
  }

  static byte[] randomBytes(SplittableRandom r, int n) {
    byte[] b = new byte[n];
    for (int i = 0; i < n; i++) {
      b[i] = (byte) r.nextInt(256);
    }
    return b;
  }

  static final String[] JSON_KEYS = {"resourceSpans", "scopeSpans", "spans", "traceId", "spanId", "parentSpanId", "name", "attributes",
      "key", "value", "stringValue", "intValue", "doubleValue", "kvlistValue", "arrayValue", "values", "events", "timeUnixNano",
      "startTimeUnixNano", "endTimeUnixNano", "resourceLogs", "scopeLogs", "logRecords", "body", "resource", "scope", "x"};

  static void randomJson(SplittableRandom r, StringBuilder sb, int depth) {
    int kind = depth > 6 ? 2 + r.nextInt(5) : r.nextInt(7);
    switch (kind) {
      case 0 -> {
        sb.append('{');
        for (int i = r.nextInt(4); i > 0; i--) {
          sb.append('"').append(JSON_KEYS[r.nextInt(JSON_KEYS.length)]).append("\":");
          randomJson(r, sb, depth + 1);
          if (i > 1) {
            sb.append(',');
          }
        }
        sb.append('}');
      }
      case 1 -> {
        sb.append('[');
        for (int i = r.nextInt(4); i > 0; i--) {
          randomJson(r, sb, depth + 1);
          if (i > 1) {
            sb.append(',');
          }
        }
        sb.append(']');
      }
      case 2 -> sb.append('"').append(r.nextBoolean() ? "0af7651916cd43dd8448eb211c80319c" : "zz" + r.nextInt(100)).append('"');
      case 3 -> sb.append(r.nextInt(3) == 0 ? "1e400" : Long.toString(r.nextLong()));
      case 4 -> sb.append(r.nextBoolean());
      case 5 -> sb.append("null");
      default -> sb.append(r.nextDouble());
    }
  }

  static byte[] gzip(byte[] b) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
      gz.write(b);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    return out.toByteArray();
  }

  static final byte[] GZIP_BOMB = gzip(new byte[24 << 20]); // 24 MiB of zeros: over the 20 MiB limit once inflated

  // ---------------------------------------------------------------- transports

  final Map<String, long[]> slowest = new ConcurrentHashMap<>();

  void outcome(String key) {
    outcomes.computeIfAbsent(key, k -> new AtomicLong()).incrementAndGet();
  }

  /** Slowest answer per kind of input, in ms. */
  void timing(String what, long startNanos) {
    long ms = (System.nanoTime() - startNanos) / 1_000_000;
    slowest.compute(what, (k, v) -> v == null ? new long[] {ms, ms, 1} : new long[] {Math.max(v[0], ms), v[1] + ms, v[2] + 1});
  }

  static final java.util.Set<Status.Code> GRPC_EXPECTED =
      java.util.EnumSet.of(Status.Code.OK, Status.Code.INVALID_ARGUMENT, Status.Code.RESOURCE_EXHAUSTED, Status.Code.UNAVAILABLE);

  void grpcCall(ManagedChannel ch, MethodDescriptor<byte[], byte[]> m, byte[] body, boolean gzip, String what) {
    CallOptions opts = CallOptions.DEFAULT.withDeadlineAfter(Harness.CALL_DEADLINE.toMillis(), TimeUnit.MILLISECONDS);
    if (gzip) {
      opts = opts.withCompression("gzip");
    }
    Status.Code code;
    long t0 = System.nanoTime();
    try {
      ClientCalls.blockingUnaryCall(ch, m, opts, body);
      code = Status.Code.OK;
    } catch (StatusRuntimeException e) {
      code = e.getStatus().getCode();
    }
    timing("grpc " + what, t0);
    outcome("grpc " + code);
    if (!GRPC_EXPECTED.contains(code)) {
      failures.add("grpc " + what + ": " + code);
    }
  }

  void grpcClient(int worker, int count) throws InterruptedException {
    SplittableRandom r = new SplittableRandom(SEED * 31 + worker);
    ManagedChannel ch = NettyChannelBuilder.forAddress("127.0.0.1", service.grpcPort()).usePlaintext().build();
    MethodDescriptor<byte[], byte[]>[] methods = new MethodDescriptor[] {TRACES, LOGS, METRICS};
    try {
      for (int i = 0; i < count; i++) {
        int signal = r.nextInt(10) < 6 ? 0 : r.nextInt(10) < 7 ? 1 : 2;
        MethodDescriptor<byte[], byte[]> m = methods[signal];
        byte[] valid = valid(r, signal).toByteArray();
        int kind = r.nextInt(100);
        if (worker == 0 && i % 4000 == 1234) {
          grpcCall(ch, m, randomBytes(r, (4 << 20) + 1024), false, "oversized");
        } else if (kind < 10) {
          grpcCall(ch, m, valid, false, "valid");
        } else if (kind < 60) {
          grpcCall(ch, m, mutate(r, valid), false, "mutated");
        } else if (kind < 75) {
          grpcCall(ch, m, randomBytes(r, r.nextInt(2048)), false, "random");
        } else if (kind < 85) {
          grpcCall(ch, m, mutate(r, valid), true, "mutated gzip call");
        } else if (kind < 87) {
          grpcCall(ch, TRACES, deepProtobuf(r.nextBoolean() ? 90 : 200), false, "deep nesting");
        } else if (kind < 90) {
          grpcCall(ch, m, new byte[0], false, "empty");
        } else {
          grpcCall(ch, methods[(signal + 1 + r.nextInt(2)) % 3], valid, false, "other signal's message");
        }
      }
    } finally {
      ch.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }

  /**
   * One HTTP/1.1 exchange on a fresh connection (raw socket, so the test controls every byte and
   * does not depend on a client's connection reuse). Returns the status code; throws
   * {@link SocketTimeoutException} when no complete answer came within the deadline.
   */
  int rawHttp(String method, String path, String contentType, String encoding, byte[] body, boolean chunked) throws IOException {
    long deadline = System.nanoTime() + Harness.CALL_DEADLINE.toNanos();
    try (Socket sock = new Socket()) {
      sock.connect(new InetSocketAddress("127.0.0.1", service.httpPort()), (int) Harness.CALL_DEADLINE.toMillis());
      sock.setTcpNoDelay(true);
      StringBuilder head = new StringBuilder();
      head.append(method).append(' ').append(path).append(" HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n");
      if (contentType != null) {
        head.append("Content-Type: ").append(contentType).append("\r\n");
      }
      if (encoding != null) {
        head.append("Content-Encoding: ").append(encoding).append("\r\n");
      }
      head.append(chunked ? "Transfer-Encoding: chunked\r\n" : "Content-Length: " + body.length + "\r\n").append("\r\n");
      java.io.OutputStream out = new java.io.BufferedOutputStream(sock.getOutputStream(), 64 * 1024);
      try {
        out.write(head.toString().getBytes(StandardCharsets.ISO_8859_1));
        if (chunked) {
          for (int off = 0; off < body.length; off += 1000) {
            int n = Math.min(1000, body.length - off);
            out.write((Integer.toHexString(n) + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
            out.write(body, off, n);
            out.write("\r\n".getBytes(StandardCharsets.ISO_8859_1));
          }
          out.write("0\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
        } else {
          out.write(body);
        }
        out.flush();
      } catch (IOException e) {
        // the server may answer (413) and close before reading an oversized body: read the answer anyway
      }
      InputStream in = sock.getInputStream();
      ByteArrayOutputStream resp = new ByteArrayOutputStream();
      byte[] buf = new byte[8192];
      while (true) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          throw new SocketTimeoutException("no complete answer within " + Harness.CALL_DEADLINE);
        }
        sock.setSoTimeout((int) Math.max(1, left / 1_000_000));
        int n;
        try {
          n = in.read(buf);
        } catch (java.net.SocketException e) {
          n = -1; // reset after the answer
        }
        if (n < 0) {
          break;
        }
        resp.write(buf, 0, n);
      }
      String text = resp.toString(StandardCharsets.ISO_8859_1);
      if (!text.startsWith("HTTP/1.1 ")) {
        throw new IOException("no HTTP answer (" + resp.size() + " bytes)");
      }
      return Integer.parseInt(text.substring(9, 12));
    }
  }

  void httpCall(String method, String path, String contentType, String encoding, byte[] body, boolean chunked, String what) {
    int status;
    long t0 = System.nanoTime();
    try {
      status = rawHttp(method, path, contentType, encoding, body, chunked);
      timing("http " + what, t0);
    } catch (SocketTimeoutException e) {
      timing("http " + what, t0);
      outcome("http timeout");
      failures.add("http " + what + ": no answer within " + Harness.CALL_DEADLINE);
      return;
    } catch (IOException e) {
      outcome("http io " + e.getClass().getSimpleName());
      failures.add("http " + what + ": " + e);
      return;
    }
    outcome("http " + status);
    if (status == 500 || status < 200 || status > 503 || (status > 200 && status < 400)) {
      failures.add("http " + what + ": " + status);
    }
  }

  static final String[] PATHS = {"/v1/traces", "/v1/logs", "/v1/metrics"};
  static final String[] WRONG_TYPES = {"text/plain", "application/xml", null, "application/grpc", "multipart/form-data; boundary=x", "application/jsonx"};

  void httpClient(int worker, int count) {
    SplittableRandom r = new SplittableRandom(SEED * 17 + worker);
    for (int i = 0; i < count; i++) {
      int signal = r.nextInt(10) < 6 ? 0 : r.nextInt(10) < 7 ? 1 : 2;
      String path = PATHS[signal];
      Message valid = valid(r, signal);
      int kind = r.nextInt(100);
      if (worker == 0 && i % 4000 == 2345) {
        httpCall("POST", path, PROTOBUF, null, new byte[(20 << 20) + 1], false, "oversized body");
      } else if (kind < 8) {
        httpCall("POST", path, PROTOBUF, null, valid.toByteArray(), false, "valid protobuf");
      } else if (kind < 40) {
        httpCall("POST", path, PROTOBUF, null, mutate(r, valid.toByteArray()), false, "mutated protobuf");
      } else if (kind < 48) {
        httpCall("POST", path, PROTOBUF, null, randomBytes(r, r.nextInt(2048)), false, "random bytes");
      } else if (kind < 53) {
        httpCall("POST", path, JSON, null, OtlpJson.print(valid).getBytes(StandardCharsets.UTF_8), false, "valid json");
      } else if (kind < 63) {
        httpCall("POST", path, r.nextBoolean() ? JSON : JSON + "; charset=utf-8", null,
            mutate(r, OtlpJson.print(valid).getBytes(StandardCharsets.UTF_8)), false, "mutated json");
      } else if (kind < 73) {
        StringBuilder sb = new StringBuilder();
        randomJson(r, sb, 0);
        httpCall("POST", path, JSON, null, sb.toString().getBytes(StandardCharsets.UTF_8), false, "random json");
      } else if (kind < 78) {
        httpCall("POST", path, WRONG_TYPES[r.nextInt(WRONG_TYPES.length)], null, valid.toByteArray(), false, "wrong content type");
      } else if (kind < 83) {
        httpCall("POST", path, PROTOBUF, "gzip", gzip(r.nextBoolean() ? valid.toByteArray() : mutate(r, valid.toByteArray())), false, "gzip");
      } else if (kind < 90) {
        byte[] body = switch (r.nextInt(4)) {
          case 0 -> mutate(r, valid.toByteArray()); // not gzip at all
          case 1 -> java.util.Arrays.copyOf(gzip(valid.toByteArray()), 12 + r.nextInt(8)); // truncated gzip
          case 2 -> mutate(r, gzip(valid.toByteArray())); // corrupted gzip
          default -> r.nextInt(4) == 0 ? GZIP_BOMB : gzip(randomBytes(r, 512)); // bomb, or gzip of garbage
        };
        httpCall("POST", path, r.nextBoolean() ? PROTOBUF : JSON, "gzip", body, false, "gzip garbage");
      } else if (kind < 93) {
        switch (r.nextInt(4)) {
          case 0 -> httpCall("POST", "/v1/trace", PROTOBUF, null, valid.toByteArray(), false, "wrong path");
          case 1 -> httpCall("GET", path, PROTOBUF, null, new byte[0], false, "GET");
          case 2 -> httpCall("PUT", path, PROTOBUF, null, valid.toByteArray(), false, "PUT");
          default -> httpCall("POST", path, PROTOBUF, "br", valid.toByteArray(), false, "unknown encoding");
        }
      } else if (kind < 95) {
        if (r.nextBoolean()) {
          httpCall("POST", "/v1/traces", PROTOBUF, null, deepProtobuf(200), false, "deep protobuf");
        } else {
          httpCall("POST", path, JSON, null, ("[".repeat(20_000) + "]".repeat(20_000)).getBytes(StandardCharsets.UTF_8), false, "deep json");
        }
      } else {
        httpCall("POST", path, PROTOBUF, null, mutate(r, valid.toByteArray()), true, "chunked mutated protobuf");
      }
    }
  }

  // ---------------------------------------------------------------- the test

  static long usedHeapAfterGc() {
    System.gc();
    System.gc();
    return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
  }

  static int threads() {
    return ManagementFactory.getThreadMXBean().getThreadCount();
  }

  /** A request that must be accepted and must reach the downstream, on both transports. */
  void assertServesAndDelivers(String tag) throws Exception {
    ExportTraceServiceRequest g = ExportTraceServiceRequest.newBuilder().addResourceSpans(ResourceSpans.newBuilder()
        .addScopeSpans(ScopeSpans.newBuilder().addSpans(Span.newBuilder().setTraceId(ByteString.copyFrom(new byte[] {9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 1}))
            .setSpanId(ByteString.copyFrom(new byte[] {7, 7, 7, 7, 7, 7, 7, 1})).setName(tag + "-grpc").setStartTimeUnixNano(NOW_NANOS).setEndTimeUnixNano(NOW_NANOS))))
        .build();
    ExportTraceServiceRequest h = g.toBuilder().setResourceSpans(0, g.getResourceSpans(0).toBuilder().setScopeSpans(0,
        g.getResourceSpans(0).getScopeSpans(0).toBuilder().setSpans(0, g.getResourceSpans(0).getScopeSpans(0).getSpans(0).toBuilder().setName(tag + "-http"))))
        .build();
    try (Harness.GrpcClient c = new Harness.GrpcClient(service.grpcPort())) {
      assertThat(c.traces(g).hasPartialSuccess()).isFalse();
    }
    assertThat(Harness.post(service.httpPort(), "/v1/traces", PROTOBUF, h.toByteArray()).statusCode()).isEqualTo(200);
    await().atMost(Duration.ofSeconds(10)).until(() -> downstream.spans().stream()
        .filter(s -> s.getName().equals(tag + "-grpc") || s.getName().equals(tag + "-http")).count() == 2);
  }

  /** Closes every open stream (idle timeout and max age pass) and returns the open count. */
  int closeAllStreams() throws InterruptedException {
    assertThat(service.window().sync(Duration.ofSeconds(30))).isTrue();
    clock.advance(Duration.ofMinutes(11));
    assertThat(service.window().sync(Duration.ofSeconds(30))).isTrue();
    return service.window().openStreams();
  }

  @Test
  void malformedAndRandomRequestsNeverCrashBlockOrLeak() throws Exception {
    // warm-up: every pool and connection the fuzz uses exists before the baseline
    ExecutorService clients = Executors.newFixedThreadPool(2 * CLIENTS_PER_TRANSPORT);
    try {
      List<Future<?>> warm = new ArrayList<>();
      for (int w = 0; w < CLIENTS_PER_TRANSPORT; w++) {
        int worker = 100 + w;
        warm.add(clients.submit(() -> {
          grpcClient(worker, 200);
          return null;
        }));
        warm.add(clients.submit(() -> httpClient(worker, 200)));
      }
      for (Future<?> f : warm) {
        f.get();
      }
      assertServesAndDelivers("warmup");
      assertThat(closeAllStreams()).isZero();
      downstream.traces.clear();
      downstream.logs.clear();
      downstream.metrics.clear();
      downstream.seenTraces.clear();
      outcomes.clear();
      failures.clear();
      long heapBaseline = usedHeapAfterGc();
      int threadBaseline = threads();

      long t0 = System.nanoTime();
      List<Future<?>> runs = new ArrayList<>();
      for (int w = 0; w < CLIENTS_PER_TRANSPORT; w++) {
        int worker = w;
        runs.add(clients.submit(() -> {
          grpcClient(worker, PER_TRANSPORT / CLIENTS_PER_TRANSPORT);
          return null;
        }));
        runs.add(clients.submit(() -> httpClient(worker, PER_TRANSPORT / CLIENTS_PER_TRANSPORT)));
      }
      for (Future<?> f : runs) {
        f.get(120, TimeUnit.SECONDS);
      }
      System.out.println("fuzz answer time per input kind, max/avg ms: " + new TreeMap<>(java.util.Map.copyOf(
          slowest.entrySet().stream().collect(java.util.stream.Collectors.toMap(Map.Entry::getKey, e -> e.getValue()[0] + "/" + e.getValue()[1] / e.getValue()[2])))));
      long fuzzMs = (System.nanoTime() - t0) / 1_000_000;
      long grpcCalls = outcomes.entrySet().stream().filter(e -> e.getKey().startsWith("grpc")).mapToLong(e -> e.getValue().get()).sum();
      long httpCalls = outcomes.entrySet().stream().filter(e -> e.getKey().startsWith("http")).mapToLong(e -> e.getValue().get()).sum();
      Map<String, Long> table = new TreeMap<>();
      outcomes.forEach((k, v) -> table.put(k, v.get()));
      assertThat(failures).as("calls answered outside the documented statuses or not at all; outcomes %s", table).isEmpty();
      assertThat(grpcCalls).isEqualTo(PER_TRANSPORT);
      assertThat(httpCalls).isEqualTo(PER_TRANSPORT);

      // still serving, still delivering
      assertServesAndDelivers("after-fuzz");
      Harness.Scrape s = Harness.scrape(service);
      assertThat(s.sum("streamfold_dropped_total", "reason", "internal_error")).isZero();
      assertThat(s.sum("streamfold_refused_total", "reason", "internal_error")).isZero();

      // back to baseline: open streams, heap, threads
      int open = closeAllStreams();
      assertThat(open).isZero();
      assertThat(service.window().memoryBytes()).isZero();
      await().atMost(Duration.ofSeconds(20)).until(() -> Harness.exportQueued(service) == 0);
      downstream.traces.clear();
      downstream.logs.clear();
      downstream.metrics.clear();
      downstream.seenTraces.clear();
      long heapAfter = usedHeapAfterGc();
      await().atMost(Duration.ofSeconds(30)).until(() -> threads() <= threadBaseline + 8);
      int threadsAfter = threads();
      assertThat(heapAfter).isLessThan(heapBaseline + (64L << 20));
      Harness.summary("fuzz", String.format(
          "seed=%d, %d gRPC + %d HTTP calls from %d+%d clients in %d ms, all answered within %d s, outcomes=%s, "
              + "internal errors=0, threads baseline=%d after=%d, heap after GC baseline=%d MiB after=%d MiB, open streams after=%d",
          SEED, grpcCalls, httpCalls, CLIENTS_PER_TRANSPORT, CLIENTS_PER_TRANSPORT, fuzzMs, Harness.CALL_DEADLINE.toSeconds(), table,
          threadBaseline, threadsAfter, heapBaseline >> 20, heapAfter >> 20, open));
    } finally {
      clients.shutdownNow();
    }
  }
}
