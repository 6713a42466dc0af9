package io.tso4j.cli;

import io.tso4j.server.NodeStartException;
import io.tso4j.server.PeerSpec;
import io.tso4j.server.TsoNode;
import io.tso4j.server.core.TsoClock;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
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
    List<TsoNode> started = new ArrayList<>();
    StopSignal stop = new StopSignal();
    try {
      for (PeerSpec p : peers) {
        TsoNode.Config cfg = new TsoNode.Config(p.id(), peers, host, p.clientPort(), dataDir.resolve(p.id()),
            nodeOptions.rpcTimeoutMin, nodeOptions.rpcTimeoutMax, nodeOptions.fenceConfig(), TsoClock.system());
        started.add(TsoNode.start(cfg, cause -> stop.release("fatal error in " + p.id())));
      }
    } catch (NodeStartException e) {
      started.forEach(TsoNode::close);
      throw new CliException(ExitCodes.STARTUP, "cannot start the local cluster: " + e.getMessage(), e);
    }
    String endpoints = started.stream().map(TsoNode::endpoint).collect(Collectors.joining(","));
    PrintWriter out = spec.commandLine().getOut();
    out.println("tso4j local cluster: " + nodes + " nodes, data in " + dataDir.toAbsolutePath());
    String leader = awaitLeader(started, Duration.ofSeconds(30));
    out.println(leader == null ? "no leader yet (still electing)" : "leader: " + leader);
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
    closeAll(started);
    return ExitCodes.OK;
  }

  /** Closes every node at once, so closing one does not make the others elect and fence a new leader. */
  private static void closeAll(List<TsoNode> nodes) {
    nodes.parallelStream().forEach(TsoNode::close);
  }

  private static String awaitLeader(List<TsoNode> nodes, Duration max) throws InterruptedException {
    long deadline = System.nanoTime() + max.toNanos();
    while (System.nanoTime() < deadline) {
      for (TsoNode n : nodes) {
        if (n.oracle().state().serving()) {
          return n.id() + " (" + n.endpoint() + ", term " + n.oracle().state().term() + ")";
        }
      }
      Thread.sleep(20);
    }
    return null;
  }
}
