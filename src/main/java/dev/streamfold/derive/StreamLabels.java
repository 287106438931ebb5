package dev.streamfold.derive;

/**
 * Metric label values of a closed stream (SPEC 4). Empty string = absent. Never ids.
 */
public record StreamLabels(
    String serviceName,
    String operationName,
    String providerName,
    String requestModel,
    String responseModel,
    String errorType) {
  public static final StreamLabels EMPTY = new StreamLabels("", "", "", "", "", "");
}
