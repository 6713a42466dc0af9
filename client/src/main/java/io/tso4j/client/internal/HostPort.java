package io.tso4j.client.internal;

/**
 * A parsed {@code host:port} endpoint ({@code [v6]:port} for IPv6 literals). Immutable.
 */
record HostPort(String host, int port) {
  /**
   * Parses {@code endpoint}.
   *
   * @throws IllegalArgumentException naming the endpoint if it is not {@code host:port} with a port in 1..65535
   */
  static HostPort parse(String endpoint) {
    if (endpoint == null || endpoint.isBlank()) {
      throw new IllegalArgumentException("endpoint must be host:port, was " + quote(endpoint));
    }
    int colon = endpoint.lastIndexOf(':');
    if (colon <= 0 || colon == endpoint.length() - 1) {
      throw new IllegalArgumentException("endpoint must be host:port, was " + quote(endpoint));
    }
    String host = endpoint.substring(0, colon);
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    } else if (host.indexOf(':') >= 0) {
      throw new IllegalArgumentException("IPv6 endpoint must be [address]:port, was " + quote(endpoint));
    }
    if (host.isBlank() || !host.strip().equals(host)) {
      throw new IllegalArgumentException("endpoint has no valid host: " + quote(endpoint));
    }
    int port;
    try {
      port = Integer.parseInt(endpoint.substring(colon + 1));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("endpoint port is not a number: " + quote(endpoint));
    }
    if (port < 1 || port > 65535) {
      throw new IllegalArgumentException("endpoint port must be in 1..65535: " + quote(endpoint));
    }
    return new HostPort(host, port);
  }

  private static String quote(String s) {
    return s == null ? "null" : "\"" + s + "\"";
  }
}
