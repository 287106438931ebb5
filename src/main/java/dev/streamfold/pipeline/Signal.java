package dev.streamfold.pipeline;

/** OTLP signals; {@link #label()} is the value used in metrics. */
public enum Signal {
  TRACES("traces"),
  LOGS("logs"),
  METRICS("metrics");

  private final String label;

  Signal(String label) {
    this.label = label;
  }

  public String label() {
    return label;
  }
}
