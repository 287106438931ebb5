package dev.streamfold.http;

import io.grpc.netty.shaded.io.netty.handler.codec.http.HttpHeaders;
import java.net.InetSocketAddress;

/**
 * One HTTP request: its head, and once read, its body (a filled prefix of {@link #body()}).
 * Handed to a {@link RequestHandler}; not thread-safe, but safely handed to one other thread.
 */
public final class Request {
  private final String method;
  private final String path;
  private final HttpHeaders headers;
  private final InetSocketAddress client;
  private byte[] body = new byte[0];
  private int length;

  Request(String method, String uri, HttpHeaders headers, InetSocketAddress client) {
    this.method = method;
    int q = uri.indexOf('?');
    this.path = q < 0 ? uri : uri.substring(0, q);
    this.headers = headers;
    this.client = client;
  }

  /** The method as sent ({@code GET}, {@code POST} ...). */
  public String method() {
    return method;
  }

  /** The path, without the query. */
  public String path() {
    return path;
  }

  /** The first value of a header, or null. */
  public String header(String name) {
    return headers.get(name);
  }

  public InetSocketAddress client() {
    return client;
  }

  /** The body buffer; only the first {@link #length()} bytes are the body. Empty until read. */
  public byte[] body() {
    return body;
  }

  public int length() {
    return length;
  }

  void body(byte[] bytes, int len) {
    this.body = bytes;
    this.length = len;
  }
}
