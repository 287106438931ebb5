package dev.streamfold.derive;

/** Why a stream's window closed; {@link #label()} is the {@code llm_stream.end_reason} value. */
public enum EndReason {
  STREAM_END("stream_end"),
  IDLE_TIMEOUT("idle_timeout"),
  MAX_AGE("max_age"),
  EVICTED("evicted"),
  SHUTDOWN("shutdown");

  private final String label;

  EndReason(String label) {
    this.label = label;
  }

  public String label() {
    return label;
  }
}
