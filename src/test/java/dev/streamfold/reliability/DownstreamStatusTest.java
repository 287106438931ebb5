package dev.streamfold.reliability;

import dev.streamfold.testing.TestServices;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.streamfold.app.Service;
import dev.streamfold.testing.FakeCollector;
import dev.streamfold.time.ManualClock;
import io.grpc.Status;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.trace.v1.Span;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The downstream answering each gRPC status class, through the whole service (SPEC 5): the
 * OTLP/gRPC retryable codes (and RESOURCE_EXHAUSTED with RetryInfo) are retried until the
 * downstream accepts, exactly once; every other code drops the batch at once, counted as
 * {@code streamfold_export_failed_total{reason="non_retryable"}}, without a retry. One service
 * for all cases; counts are deltas between scrapes.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DownstreamStatusTest {
  static final Duration RETRY_INFO = Duration.ofMillis(50);
  FakeCollector downstream;
  ManualClock clock;
  Service service;
  Harness.GrpcClient client;
  final AtomicInteger ns = new AtomicInteger(20);

  @BeforeAll
  void start() throws Exception {
    downstream = new FakeCollector();
    clock = new ManualClock();
    service = new Service(TestServices.config(downstream.endpoint()), clock);
    service.start();
    client = new Harness.GrpcClient(service.grpcPort());
  }

  @AfterAll
  void stop() throws Exception {
    client.close();
    service.stop();
    downstream.close();
  }

  static Stream<Arguments> nonRetryable() {
    return Stream.of(
        Arguments.of(Status.Code.INVALID_ARGUMENT, null),
        Arguments.of(Status.Code.PERMISSION_DENIED, null),
        Arguments.of(Status.Code.UNAUTHENTICATED, null),
        Arguments.of(Status.Code.NOT_FOUND, null),
        Arguments.of(Status.Code.FAILED_PRECONDITION, null),
        Arguments.of(Status.Code.UNIMPLEMENTED, null),
        Arguments.of(Status.Code.INTERNAL, null),
        Arguments.of(Status.Code.UNKNOWN, null),
        Arguments.of(Status.Code.RESOURCE_EXHAUSTED, null)); // without RetryInfo: permanent
  }

  static Stream<Arguments> retryable() {
    return Stream.of(
        Arguments.of(Status.Code.UNAVAILABLE, null),
        Arguments.of(Status.Code.UNAVAILABLE, RETRY_INFO),
        Arguments.of(Status.Code.RESOURCE_EXHAUSTED, RETRY_INFO),
        Arguments.of(Status.Code.DEADLINE_EXCEEDED, null),
        Arguments.of(Status.Code.ABORTED, null),
        Arguments.of(Status.Code.OUT_OF_RANGE, null),
        Arguments.of(Status.Code.DATA_LOSS, null),
        Arguments.of(Status.Code.CANCELLED, null));
  }

  /** Sends a workload of 2 streams (3 chunks each) and 20 plain spans and lets the streams close. */
  Workload send() throws Exception {
    Workload w = new Workload(ns.getAndIncrement(), 2, 3, 20, 10);
    for (ExportTraceServiceRequest r : w.requests()) {
      client.traces(r);
    }
    assertThat(service.window().sync(Duration.ofSeconds(10))).isTrue();
    clock.advance(Duration.ofSeconds(3));
    assertThat(service.window().sync(Duration.ofSeconds(10))).isTrue();
    return w;
  }

  @ParameterizedTest(name = "{0} retry_info={1}")
  @MethodSource("nonRetryable")
  void nonRetryableStatusDropsTheBatchOnceAndCountsIt(Status.Code code, Duration retryInfo) throws Exception {
    downstream.failWith(code, retryInfo);
    Harness.Scrape before = Harness.scrape(service);
    long failedBefore = downstream.failedAnswers();
    Workload w = send();
    await().atMost(Duration.ofSeconds(10)).until(() ->
        Harness.scrape(service).count("streamfold_export_failed_total", "reason", "non_retryable", "signal", "traces")
            - before.count("streamfold_export_failed_total", "reason", "non_retryable", "signal", "traces") == w.expectedSpans());
    await().atMost(Duration.ofSeconds(10)).until(() -> Harness.exportQueued(service) == 0);
    Harness.Scrape after = Harness.scrape(service);
    // nothing delivered; every span went to the downstream exactly once: no retry
    assertThat(w.countIn(downstream.spans())).isZero();
    List<Span> seen = downstream.seenSpans().stream().filter(s -> w.countIn(List.of(s)) == 1).toList();
    assertThat(seen).hasSize(w.expectedSpans());
    assertThat(after.sum("streamfold_exported_total") - before.sum("streamfold_exported_total")).isZero();
    assertThat(after.sum("streamfold_export_failed_total") - before.sum("streamfold_export_failed_total")).isEqualTo(w.expectedSpans());
    Harness.summary("downstream-status " + code + (retryInfo != null ? "+RetryInfo" : ""), String.format(
        "non-retryable: sent to downstream=%d spans, attempts with this status=%d, delivered=0, "
            + "export_failed_total{reason=non_retryable} +%d, retries=0",
        w.expectedSpans(), downstream.failedAnswers() - failedBefore, w.expectedSpans()));
  }

  @ParameterizedTest(name = "{0} retry_info={1}")
  @MethodSource("retryable")
  void retryableStatusIsRetriedUntilTheDownstreamAccepts(Status.Code code, Duration retryInfo) throws Exception {
    downstream.succeed();
    downstream.failNext(3, code, retryInfo);
    Harness.Scrape before = Harness.scrape(service);
    long failedBefore = downstream.failedAnswers();
    long attemptsBefore = downstream.attempts();
    Workload w = send();
    await().atMost(Duration.ofSeconds(20)).until(() -> w.countIn(downstream.spans()) == w.expectedSpans());
    await().atMost(Duration.ofSeconds(10)).until(() -> Harness.exportQueued(service) == 0);
    w.assertExactlyOnce(downstream.spans());
    Harness.Scrape after = Harness.scrape(service);
    assertThat(downstream.failedAnswers() - failedBefore).isEqualTo(3);
    assertThat(after.sum("streamfold_export_failed_total") - before.sum("streamfold_export_failed_total")).isZero();
    assertThat(after.count("streamfold_exported_total", "signal", "traces") - before.count("streamfold_exported_total", "signal", "traces"))
        .isEqualTo(w.expectedSpans());
    Harness.summary("downstream-status " + code + (retryInfo != null ? "+RetryInfo" : ""), String.format(
        "retryable: expected=%d spans, downstream attempts=%d, answered %s=%d, received=%d (exactly once), export_failed +0",
        w.expectedSpans(), downstream.attempts() - attemptsBefore, code, downstream.failedAnswers() - failedBefore,
        w.countIn(downstream.spans())));
  }

  @Test
  void partialSuccessRejectionsByTheDownstreamAreCounted() throws Exception {
    downstream.answerWith(FakeCollector.Answer.partial(2));
    Harness.Scrape before = Harness.scrape(service);
    int requestsBefore = downstream.traces.size();
    Workload w = send();
    await().atMost(Duration.ofSeconds(10)).until(() -> w.countIn(downstream.spans()) == w.expectedSpans());
    await().atMost(Duration.ofSeconds(10)).until(() -> Harness.exportQueued(service) == 0);
    downstream.succeed();
    int answered = downstream.traces.size() - requestsBefore;
    Harness.Scrape after = Harness.scrape(service);
    long rejected = after.count("streamfold_export_partial_rejected_total", "signal", "traces")
        - before.count("streamfold_export_partial_rejected_total", "signal", "traces");
    long exported = after.count("streamfold_exported_total", "signal", "traces") - before.count("streamfold_exported_total", "signal", "traces");
    assertThat(rejected).isEqualTo(2L * answered);
    assertThat(exported + rejected).isEqualTo(w.expectedSpans());
    Harness.summary("downstream-partial-success", String.format(
        "sent=%d spans in %d export requests, each answered rejected_spans=2: export_partial_rejected_total +%d, exported_total +%d",
        w.expectedSpans(), answered, rejected, exported));
  }
}
