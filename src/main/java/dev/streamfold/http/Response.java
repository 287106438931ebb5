package dev.streamfold.http;

import java.util.ArrayList;
import java.util.List;

/**
 * An HTTP response with a complete body. Mutable while built, then handed to the server once.
 */
public final class Response {
  private final int status;
  private final String contentType;
  private final byte[] body;
  private final List<String[]> headers = new ArrayList<>(2);
  private boolean close;

  /**
   * @param contentType null for none (then the body should be empty)
   * @param body never null
   */
  public Response(int status, String contentType, byte[] body) {
    this.status = status;
    this.contentType = contentType;
    this.body = body;
  }

  /** A response without a body. */
  public static Response empty(int status) {
    return new Response(status, null, new byte[0]);
  }

  /** Adds a header (set once per name; Content-Type and Content-Length are the server's). */
  public Response header(String name, String value) {
    headers.add(new String[] {name, value});
    return this;
  }

  /** Asks the server to close the connection after this response. */
  public Response close() {
    this.close = true;
    return this;
  }

  public int status() {
    return status;
  }

  public String contentType() {
    return contentType;
  }

  public byte[] body() {
    return body;
  }

  List<String[]> headers() {
    return headers;
  }

  boolean closes() {
    return close;
  }
}
