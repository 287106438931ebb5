package dev.streamfold.http;

/** Why the server itself turned a request away, before or instead of the handler serving it. */
public enum Refusal {
  /** The server was at its connection limit when the connection arrived: retryable. */
  TOO_MANY_CONNECTIONS,
  /** The client address was at its connection limit: retryable once one of its connections closes. */
  TOO_MANY_FROM_CLIENT,
  /** The body grew past the limit while read: not retryable as is. */
  TOO_LARGE,
  /** All servers' buffered bodies together reached the byte budget: retryable. */
  BUFFER_FULL,
  /** The body did not arrive within the request timeout. */
  BODY_TIMEOUT
}
