package dev.streamfold.explain;

import com.google.protobuf.Message;
import dev.streamfold.pipeline.Signal;

/**
 * One export request read from a recording.
 *
 * @param where file and position, as error messages and the report name it ({@code file:line},
 *     {@code file:line requests[3]}, {@code file message 2})
 * @param signal traces, logs or metrics
 * @param message an {@code Export{Trace,Logs,Metrics}ServiceRequest}
 * @param arrivedUnixMs when the recording says the request arrived, or -1 when it does not say
 *     (file exporter lines, plain OTLP bodies)
 */
public record InputRequest(String where, Signal signal, Message message, long arrivedUnixMs) {}
