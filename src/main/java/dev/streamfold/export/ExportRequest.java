package dev.streamfold.export;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import dev.streamfold.pipeline.Signal;
import io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import java.util.Objects;

/**
 * One batch on its way to the downstream: an {@code Export*ServiceRequest} of one signal, held
 * as a message, as its protobuf encoding, or both (each derived lazily from the other and
 * memoized). Immutable as far as callers can tell; thread-safe.
 */
public final class ExportRequest {
  private final Signal signal;
  private final long items;
  private volatile Message message;
  private volatile byte[] encoded;

  private ExportRequest(Signal signal, long items, Message message, byte[] encoded) {
    this.signal = Objects.requireNonNull(signal, "signal");
    this.items = items;
    this.message = message;
    this.encoded = encoded;
  }

  /** @param message an {@code Export*ServiceRequest} matching {@code signal} */
  public static ExportRequest of(Signal signal, Message message, long items) {
    return new ExportRequest(signal, items, Objects.requireNonNull(message, "message"), null);
  }

  /** @param encoded the protobuf encoding of an {@code Export*ServiceRequest}; not copied, do not modify */
  public static ExportRequest ofEncoded(Signal signal, byte[] encoded, long items) {
    return new ExportRequest(signal, items, null, Objects.requireNonNull(encoded, "encoded"));
  }

  public Signal signal() {
    return signal;
  }

  /** Items (spans, log records, metric data points) the request carries. */
  public long items() {
    return items;
  }

  /** The protobuf encoding; the returned array is shared, do not modify. */
  public byte[] encoded() {
    byte[] b = encoded;
    if (b == null) {
      b = message.toByteArray();
      encoded = b;
    }
    return b;
  }

  /**
   * The request as a message.
   *
   * @throws IllegalArgumentException when the encoded form does not parse
   */
  public Message message() {
    Message m = message;
    if (m == null) {
      try {
        m = parse(signal, encoded);
      } catch (InvalidProtocolBufferException e) {
        throw new IllegalArgumentException("undecodable " + signal.label() + " request: " + e.getMessage(), e);
      }
      message = m;
    }
    return m;
  }

  static Message parse(Signal signal, byte[] bytes) throws InvalidProtocolBufferException {
    return switch (signal) {
      case TRACES -> ExportTraceServiceRequest.parseFrom(bytes);
      case LOGS -> ExportLogsServiceRequest.parseFrom(bytes);
      case METRICS -> ExportMetricsServiceRequest.parseFrom(bytes);
    };
  }
}
