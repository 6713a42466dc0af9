package io.tso4j.cli;

import io.tso4j.core.FenceConfig;
import io.tso4j.server.NodeStartException;
import io.tso4j.server.NodeTuning;
import io.tso4j.server.PeerSpec;
import io.tso4j.server.LocalCluster;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code tso4j local-cluster}: a whole cluster on loopback in this process, until Ctrl-C. */
@Command(name = "local-cluster", mixinStandardHelpOptions = true,
    description = "Run a cluster of N nodes on 127.0.0.1 in one process, with data in a local directory.")
final class LocalClusterCommand implements Callable<Integer> {
  /** The metrics port when none is given: the base port + this (7100 by default, below the Raft ports). */
  static final int METRICS_PORT_OFFSET = 99;

  @Spec
  CommandSpec spec;

  @Mixin
  ConfigOption configOption;

  @Option(names = "--nodes", defaultValue = "3", description = "1, 3 or 5 nodes (default: ${DEFAULT-VALUE}).")
  int nodes;

  @Option(names = "--base-port", defaultValue = "7001",
      description = "Client ports are BASE..BASE+N-1, Raft ports BASE+100.. (default: ${DEFAULT-VALUE}).")
  int basePort;

  @Option(names = "--data-dir", defaultValue = "tso4j-data/local",
      description = "Data directory; node i keeps its data in DIR/n<i> (default: ${DEFAULT-VALUE}).")
  Path dataDir;

  @Option(names = "--run-for", converter = DurationConverter.class,
      description = "Stop after this long (default: run until Ctrl-C).")
  Duration runFor;

  @Mixin
  NodeOptions nodeOptions;

  @Mixin
  NodeTuningOptions tuningOptions;

  @Mixin
  MetricsOptions metricsOptions;

  @Option(names = "--no-metrics", description = "Do not serve /metrics and /health (on by default here).")
  boolean noMetrics;

  @Override
  public Integer call() throws Exception {
    if (nodes != 1 && nodes != 3 && nodes != 5) {
      throw new ParameterException(spec.commandLine(), "--nodes must be 1, 3 or 5, was " + nodes);
    }
    if (basePort < 1 || basePort + 100 + nodes > 65535) {
      throw new ParameterException(spec.commandLine(), "--base-port out of range: " + basePort);
    }
    String host = "127.0.0.1";
    List<PeerSpec> peers = new ArrayList<>();
    for (int i = 1; i <= nodes; i++) {
      peers.add(new PeerSpec("n" + i, host, basePort + 100 + i - 1, basePort + i - 1));
    }
    FenceConfig fence;
    NodeTuning tuning;
    LogFormat logFormat;
    int metricsPort;
    try {
      fence = tuningOptions.applyTo(nodeOptions.fenceConfig());
      tuning = tuningOptions.tuning();
      logFormat = tuningOptions.logFormat();
      metricsPort = metricsOptions.portOr(basePort + METRICS_PORT_OFFSET);
    } catch (IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), e.getMessage());
    }
    tuningOptions.applyLogging(logFormat, "tso4j-local-cluster");
    StopSignal stop = new StopSignal();
    DaemonMetrics metrics = noMetrics ? null : new DaemonMetrics();
    LocalCluster cluster;
    try {
      cluster = LocalCluster.ratis(peers, dataDir, nodeOptions.rpcTimeoutMin, nodeOptions.rpcTimeoutMax,
          fence, tuning, cause -> stop.release("fatal error"));
    } catch (NodeStartException e) {
      if (metrics != null) {
        metrics.close();
      }
      throw new CliException(ExitCodes.STARTUP, "cannot start the local cluster: " + e.getMessage(), e);
    }
    String endpoints = String.join(",", cluster.endpoints());
    PrintWriter out = spec.commandLine().getOut();
    out.println("tso4j local cluster: " + nodes + " nodes, data in " + dataDir.toAbsolutePath());
    if (metrics != null) {
      cluster.nodes().forEach(metrics::bind);
      try {
        out.println("metrics: " + metrics.serve(metricsOptions.hostOr(host), metricsPort).metricsUrl()
            + " (health: /health)");
      } catch (CliException e) {
        cluster.close();
        metrics.close();
        throw e;
      }
    }
    cluster.awaitServing(Duration.ofSeconds(30));
    out.println(cluster.servingNode().map(n -> "leader: " + n.id() + " (" + n.endpoint() + ", term "
        + n.oracle().state().term() + ")").orElse("no leader yet (still electing)"));
    out.println("client endpoints: " + endpoints);
    out.println("try: bin/tso4j get --endpoints " + endpoints);
    out.println("Ctrl-C stops the cluster.");
    out.flush();
    if (runFor == null) {
      stop.await();
    } else {
      stop.await(runFor.toMillis());
    }
    out.println("stopping the local cluster (" + stop.reason() + ")");
    out.flush();
    DaemonLogging.stopping();
    cluster.close();
    if (metrics != null) {
      metrics.close();
    }
    return ExitCodes.OK;
  }
}
