package io.tso4j.cli;

import picocli.CommandLine.Option;

/**
 * The metrics endpoint options of {@code serve}, {@code local-cluster} and {@code bench}: an HTTP port serving {@code
 * /metrics} (Prometheus text, or OpenMetrics when the scraper asks for it) and {@code /health} ({@link
 * MetricsEndpoint}). Off unless a port is given; {@code local-cluster} turns it on by itself.
 */
final class MetricsOptions {
  @Option(names = "--metrics-port", paramLabel = "PORT",
      description = "Serve /metrics (Prometheus, OpenMetrics) and /health over HTTP on this port; 0 = any free port "
          + "(printed at start). Default: off (local-cluster: the base port + 99).")
  Integer port;

  @Option(names = "--metrics-host", paramLabel = "HOST",
      description = "Address the metrics port binds; default: the client port's address (127.0.0.1 for "
          + "local-cluster and bench).")
  String host;

  /** Whether a port was given. */
  boolean requested() {
    return port != null;
  }

  /**
   * The port to bind: the one given, else {@code fallback}.
   *
   * @throws IllegalArgumentException if it is not a TCP port (0 allowed: any free port)
   */
  int portOr(int fallback) {
    int p = port != null ? port : fallback;
    if (p < 0 || p > 65535) {
      throw new IllegalArgumentException("--metrics-port out of range: " + p);
    }
    return p;
  }

  /** The address to bind: the one given, else {@code fallback}. */
  String hostOr(String fallback) {
    return host != null && !host.isBlank() ? host : fallback;
  }
}
