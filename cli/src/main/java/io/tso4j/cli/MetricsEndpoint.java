package io.tso4j.cli;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.tso4j.server.NodeHealth;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Supplier;

/**
 * The daemon's HTTP endpoint (the JDK's {@link HttpServer}, one thread): {@code GET /metrics} is the registry in the
 * format the {@code Accept} header asks for (OpenMetrics for {@code application/openmetrics-text}, else Prometheus
 * text 0.0.4); {@code GET /health} is 200 with one line per node when every node of this process is healthy ({@link
 * NodeHealth}: running and knows a leader), else 503 with the same lines. Anything else: 404, or 405 for a method other
 * than GET and HEAD.
 */
final class MetricsEndpoint implements AutoCloseable {
  /** The Prometheus text format's content type. */
  static final String TEXT = "text/plain; version=0.0.4; charset=utf-8";
  /** The OpenMetrics content type. */
  static final String OPENMETRICS = "application/openmetrics-text; version=1.0.0; charset=utf-8";

  private final HttpServer server;
  private final ExecutorService executor;
  private final PrometheusMeterRegistry registry;
  private final Supplier<List<NodeHealth>> health;

  private MetricsEndpoint(HttpServer server, ExecutorService executor, PrometheusMeterRegistry registry,
      Supplier<List<NodeHealth>> health) {
    this.server = server;
    this.executor = executor;
    this.registry = registry;
    this.health = health;
  }

  /**
   * Serves {@code registry} and the health of {@code health}'s nodes on {@code host:port} (0 = any free port).
   *
   * @throws IOException if the port cannot be bound
   */
  static MetricsEndpoint start(String host, int port, PrometheusMeterRegistry registry,
      Supplier<List<NodeHealth>> health) throws IOException {
    HttpServer server = HttpServer.create(new InetSocketAddress(host, port), 16);
    ExecutorService executor = Executors.newSingleThreadExecutor(r -> {
      Thread t = new Thread(r, "tso4j-metrics-http");
      t.setDaemon(true);
      return t;
    });
    MetricsEndpoint e = new MetricsEndpoint(server, executor, registry, health);
    server.createContext("/", e::handle);
    server.setExecutor(executor);
    server.start();
    return e;
  }

  /** The bound port. */
  int port() {
    return server.getAddress().getPort();
  }

  /** The URL of {@code /metrics}. */
  String metricsUrl() {
    return "http://" + hostForUrl() + ":" + port() + "/metrics";
  }

  private String hostForUrl() {
    String h = server.getAddress().getHostString();
    return h.contains(":") ? "[" + h + "]" : h;
  }

  private void handle(HttpExchange x) throws IOException {
    try (x) {
      String method = x.getRequestMethod();
      if (!method.equals("GET") && !method.equals("HEAD")) {
        x.getResponseHeaders().set("Allow", "GET, HEAD");
        send(x, 405, "text/plain; charset=utf-8", "method not allowed\n".getBytes(StandardCharsets.UTF_8));
        return;
      }
      switch (x.getRequestURI().getPath()) {
        case "/metrics" -> metrics(x);
        case "/health" -> health(x);
        default -> send(x, 404, "text/plain; charset=utf-8",
            "not found: try /metrics or /health\n".getBytes(StandardCharsets.UTF_8));
      }
    }
  }

  private void metrics(HttpExchange x) throws IOException {
    String accept = x.getRequestHeaders().getFirst("Accept");
    String type = accept != null && accept.contains("application/openmetrics-text") ? OPENMETRICS : TEXT;
    ByteArrayOutputStream body = new ByteArrayOutputStream(32_768);
    registry.scrape(body, type);
    send(x, 200, type, body.toByteArray());
  }

  private void health(HttpExchange x) throws IOException {
    List<NodeHealth> nodes = health.get();
    boolean ok = !nodes.isEmpty() && nodes.stream().allMatch(NodeHealth::healthy);
    StringBuilder b = new StringBuilder(ok ? "ok\n" : "unhealthy\n");
    nodes.forEach(n -> b.append(n.line()).append('\n'));
    send(x, ok ? 200 : 503, "text/plain; charset=utf-8", b.toString().getBytes(StandardCharsets.UTF_8));
  }

  private static void send(HttpExchange x, int status, String contentType, byte[] body) throws IOException {
    x.getResponseHeaders().set("Content-Type", contentType);
    boolean head = x.getRequestMethod().equals("HEAD");
    x.sendResponseHeaders(status, head ? -1 : body.length);
    if (!head) {
      try (OutputStream out = x.getResponseBody()) {
        out.write(body);
      }
    }
  }

  /** Stops serving at once. */
  @Override
  public void close() {
    server.stop(0);
    executor.shutdownNow();
  }
}
