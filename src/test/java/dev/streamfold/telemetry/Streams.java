package dev.streamfold.telemetry;

import dev.streamfold.derive.ClosedStream;
import dev.streamfold.derive.DerivedStream;
import dev.streamfold.derive.EndReason;
import dev.streamfold.derive.InputShape;
import dev.streamfold.derive.StreamLabels;
import dev.streamfold.derive.TokenSource;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

/** Test data: closed streams with chosen figures, and an HTTP scrape. */
final class Streams {
  static final String TRACE = "0af7651916cd43dd8448eb211c80319c";
  static final String SPAN = "b7ad6b7169203331";

  private Double ttftMs;
  private Double durationMs;
  private Long outputTokens;
  private Long inputTokens;
  private Double tokensPerSecond;
  private TokenSource tokenSource = TokenSource.NONE;
  private boolean complete = true;
  private EndReason endReason = EndReason.STREAM_END;
  private InputShape shape = InputShape.CHUNK_SPANS;
  private double[] intervals = new double[0];
  private StreamLabels labels = new StreamLabels("chat-app", "chat", "openai", "gpt-4o", "gpt-4o-2024-08-06", "");
  private String traceId = TRACE;
  private String spanId = SPAN;

  static Streams stream() {
    return new Streams();
  }

  Streams ttft(Double ms) {
    ttftMs = ms;
    return this;
  }

  Streams duration(Double ms) {
    durationMs = ms;
    return this;
  }

  Streams tokens(TokenSource source, Long input, Long output) {
    tokenSource = source;
    inputTokens = input;
    outputTokens = output;
    return this;
  }

  Streams tokensPerSecond(Double tps) {
    tokensPerSecond = tps;
    return this;
  }

  Streams intervals(double... ms) {
    intervals = ms;
    return this;
  }

  Streams incomplete(EndReason reason) {
    complete = false;
    endReason = reason;
    return this;
  }

  Streams shape(InputShape s) {
    shape = s;
    return this;
  }

  Streams labels(StreamLabels l) {
    labels = l;
    return this;
  }

  Streams model(String requestModel) {
    labels = new StreamLabels(labels.serviceName(), labels.operationName(), labels.providerName(), requestModel,
        labels.responseModel(), labels.errorType());
    return this;
  }

  Streams ids(String trace, String span) {
    traceId = trace;
    spanId = span;
    return this;
  }

  ClosedStream build() {
    DerivedStream d = new DerivedStream(
        (long) intervals.length + 1, ttftMs, durationMs, null, outputTokens, tokensPerSecond, null, null,
        null, null, null, null, null, tokenSource, shape, complete, endReason, false, inputTokens, null, null);
    return new ClosedStream(d, labels, traceId, spanId, intervals.clone());
  }

  static HttpResponse<String> scrape(int port, String accept) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics")).GET();
    if (accept != null) {
      b.header("Accept", accept);
    }
    return HttpClient.newHttpClient().send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  static Exposition scrapeParsed(int port, String accept) throws Exception {
    HttpResponse<String> r = scrape(port, accept);
    if (r.statusCode() != 200) {
      throw new AssertionError("scrape returned " + r.statusCode());
    }
    return Exposition.parse(r.body());
  }
}
