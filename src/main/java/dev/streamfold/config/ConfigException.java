package dev.streamfold.config;

/** A configuration error: names the key's path (e.g. {@code window.finalize_grace}) and why. */
public final class ConfigException extends Exception {
  private static final long serialVersionUID = 1L;
  private final String key;

  public ConfigException(String key, String reason) {
    super(key.isEmpty() ? reason : key + ": " + reason);
    this.key = key;
  }

  /** Several errors at once: {@code key} is the first one's, the message lists them all. */
  ConfigException(String key, String message, boolean fullMessage) {
    super(message);
    this.key = key;
  }

  public String key() {
    return key;
  }
}
