package dev.streamfold.derive;

/**
 * A stream whose window closed, as handed to metric recording.
 *
 * @param derived the SPEC 2 figures
 * @param labels metric labels
 * @param traceIdHex 32 hex chars, for exemplars
 * @param spanIdHex 16 hex chars of the emitted (condensed or synthetic) span, for exemplars
 * @param intervalsMs the chunk intervals d_i (empty when n &lt; 2 or truncated); owned by the
 *     receiver after the call
 */
public record ClosedStream(
    DerivedStream derived,
    StreamLabels labels,
    String traceIdHex,
    String spanIdHex,
    double[] intervalsMs) {}
