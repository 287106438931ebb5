package dev.streamfold.explain;

/** A part of an input file that could not be read: {@code where} names the file and line (or message). */
public record InputError(String where, String reason) {
  @Override
  public String toString() {
    return where + ": " + reason;
  }
}
