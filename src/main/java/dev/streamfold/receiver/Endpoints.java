package dev.streamfold.receiver;

import java.net.InetSocketAddress;

/** Parses {@code host:port} endpoints ({@code [::1]:4317} for IPv6 literals). */
final class Endpoints {
  private Endpoints() {}

  /** @throws IllegalArgumentException when the endpoint is not host:port */
  static InetSocketAddress parse(String endpoint) {
    int i = endpoint == null ? -1 : endpoint.lastIndexOf(':');
    if (i <= 0 || i == endpoint.length() - 1) {
      throw new IllegalArgumentException("endpoint must be host:port, got '" + endpoint + "'");
    }
    String host = endpoint.substring(0, i);
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    }
    int port;
    try {
      port = Integer.parseInt(endpoint.substring(i + 1));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("endpoint port is not a number: '" + endpoint + "'", e);
    }
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException("endpoint port out of range: '" + endpoint + "'");
    }
    return new InetSocketAddress(host, port);
  }
}
