package dev.streamfold.derive;

/** Where {@code llm_stream.output_tokens} came from (SPEC 2, token source). */
public enum TokenSource {
  USAGE("usage"),
  CHUNK_ATTRIBUTES("chunk_attributes"),
  NONE("none");

  private final String label;

  TokenSource(String label) {
    this.label = label;
  }

  public String label() {
    return label;
  }
}
