package dev.streamfold.pipeline;

/**
 * What the conservation law counts: for each unit,
 * {@code received = passed + condensed + dropped + buffered}.
 */
public enum Unit {
  SPAN("span"),
  SPAN_EVENT("span_event"),
  LOG_RECORD("log_record"),
  METRIC_POINT("metric_point");

  private final String label;

  Unit(String label) {
    this.label = label;
  }

  public String label() {
    return label;
  }
}
