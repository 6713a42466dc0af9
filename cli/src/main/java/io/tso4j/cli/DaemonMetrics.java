package io.tso4j.cli;

import io.micrometer.core.instrument.binder.MeterBinder;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.FileDescriptorMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.tso4j.ratis.metrics.RatisMetricsBridge;
import io.tso4j.server.NodeHealth;
import io.tso4j.server.TsoNode;
import io.tso4j.server.metrics.NodeMetrics;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The daemon's metrics: one Prometheus registry for the process with the JVM and process meters, Ratis' own metrics
 * ({@link RatisMetricsBridge}) and each node's meters ({@link NodeMetrics}), served by a {@link MetricsEndpoint}.
 * Create it before the nodes start (so Ratis' registries are followed from their creation), {@link #bind} each node,
 * then {@link #serve}. Closing stops the endpoint and removes every meter.
 */
final class DaemonMetrics implements AutoCloseable {
  private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final List<AutoCloseable> closeables = new ArrayList<>();
  private final List<TsoNode> nodes = new CopyOnWriteArrayList<>();
  private MetricsEndpoint endpoint;

  /** The registry with the JVM, process and Ratis meters bound. */
  DaemonMetrics() {
    List<MeterBinder> process = List.of(new ClassLoaderMetrics(), new JvmMemoryMetrics(), new JvmThreadMetrics(),
        new ProcessorMetrics(), new UptimeMetrics(), new FileDescriptorMetrics());
    process.forEach(b -> b.bindTo(registry));
    JvmGcMetrics gc = new JvmGcMetrics();
    gc.bindTo(registry);
    closeables.add(gc);
    RatisMetricsBridge ratis = new RatisMetricsBridge();
    ratis.bindTo(registry);
    closeables.add(ratis);
  }

  /** Binds the meters of {@code node}; /health reports it from now on. */
  void bind(TsoNode node) {
    NodeMetrics m = new NodeMetrics(node);
    m.bindTo(registry);
    closeables.add(m);
    nodes.add(node);
  }

  /**
   * Serves /metrics and /health on {@code host:port} (0 = any free port); returns the endpoint.
   *
   * @throws CliException STARTUP if the port cannot be bound
   */
  MetricsEndpoint serve(String host, int port) {
    try {
      endpoint = MetricsEndpoint.start(host, port, registry, this::health);
    } catch (IOException | RuntimeException e) {
      throw new CliException(ExitCodes.STARTUP, "cannot serve metrics on " + host + ":" + port + ": "
          + e.getMessage(), e);
    }
    return endpoint;
  }

  private List<NodeHealth> health() {
    return nodes.stream().map(NodeHealth::of).toList();
  }

  /** The registry (tests). */
  PrometheusMeterRegistry registry() {
    return registry;
  }

  /** Stops the endpoint, then unbinds every meter and closes the registry. */
  @Override
  public void close() {
    if (endpoint != null) {
      endpoint.close();
    }
    for (int i = closeables.size() - 1; i >= 0; i--) {
      try {
        closeables.get(i).close();
      } catch (Exception e) {
        // Best effort on shutdown.
      }
    }
    registry.close();
  }
}
