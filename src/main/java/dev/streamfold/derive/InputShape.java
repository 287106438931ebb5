package dev.streamfold.derive;

/** SPEC 1.2 input shapes; {@link #label()} is the {@code llm_stream.input_shape} value. */
public enum InputShape {
  CHUNK_SPANS("chunk_spans"),
  CHUNK_EVENTS("chunk_events"),
  CHUNK_LOGS("chunk_logs"),
  SUMMARY("summary");

  private final String label;

  InputShape(String label) {
    this.label = label;
  }

  public String label() {
    return label;
  }
}
