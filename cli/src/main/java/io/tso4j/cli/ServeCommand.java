package io.tso4j.cli;

import io.tso4j.server.NodeSecurity;
import io.grpc.ChannelCredentials;
import io.tso4j.server.NodeStartException;
import io.tso4j.server.NodeTuning;
import io.tso4j.server.PeerSpec;
import io.tso4j.server.TsoNode;
import io.tso4j.core.TsoClock;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code tso4j serve}: runs one node of a cluster until SIGTERM or Ctrl-C. */
@Command(name = "serve", mixinStandardHelpOptions = true,
    description = "Run one tso4j node. Every option can also come from TSO4J_<OPTION> or a --config file.")
final class ServeCommand implements Callable<Integer> {
  @Spec
  CommandSpec spec;

  @Option(names = "--id", required = true, description = "This node's id; one of the ids in --peers.")
  String id;

  @Option(names = "--peers", paramLabel = "ID=HOST:RAFT_PORT[/CLIENT_PORT],...",
      description = "Every member of a new cluster, this node included (or --join). Read only when the data dir"
          + " holds no Raft log yet: a restarted node recovers its membership from its log.")
  String peers;

  @Option(names = "--grpc-port", defaultValue = "-1",
      description = "Client (gRPC) port; default: this node's CLIENT_PORT in --peers, else 7001.")
  int grpcPort;

  @Option(names = "--grpc-host", description = "Address to bind the client port to; default: this node's HOST.")
  String grpcHost;

  @Option(names = "--data-dir", description = "Data directory; default: ./tso4j-data/<id>.")
  Path dataDir;

  @Mixin
  ConfigOption configOption;

  @Mixin
  NodeOptions nodeOptions;

  @Mixin
  NodeTuningOptions tuningOptions;

  @Mixin
  TlsOptions tlsOptions;

  @Mixin
  MetricsOptions metricsOptions;

  @Mixin
  MembershipOptions membership;

  @Override
  public Integer call() throws Exception {
    if (membership.joining() == (peers != null)) {
      throw new ParameterException(spec.commandLine(), membership.joining()
          ? "--join and --peers exclude each other: a joining node learns the members from the cluster"
          : "Missing required option: '--peers=ID=HOST:RAFT_PORT[/CLIENT_PORT],...' (or --join)");
    }
    List<PeerSpec> parsed;
    try {
      parsed = membership.joining() ? List.of(membership.self(id)) : PeerSpec.parseList(peers);
    } catch (IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), "--peers: " + e.getMessage());
    }
    PeerSpec self = parsed.stream().filter(p -> p.id().equals(id)).findFirst().orElseThrow(
        () -> new ParameterException(spec.commandLine(), "--id " + id + " is not one of the --peers " + peers));
    int port = grpcPort >= 0 ? grpcPort : self.clientPort() != 0 ? self.clientPort() : 7001;
    if (self.clientPort() != 0 && self.clientPort() != port) {
      throw new ParameterException(spec.commandLine(), "--grpc-port " + port + " differs from the client port "
          + self.clientPort() + " given for " + id + " in --peers");
    }
    List<PeerSpec> withSelf = new ArrayList<>();
    for (PeerSpec p : parsed) {
      withSelf.add(p.id().equals(id) ? new PeerSpec(p.id(), p.host(), p.raftPort(), port) : p);
    }
    Path dir = dataDir != null ? dataDir : Path.of("tso4j-data", id);
    TsoNode.Config cfg;
    NodeTuning tuning;
    NodeSecurity security;
    LogFormat logFormat;
    int metricsPort;
    try {
      security = tlsOptions.security();
      cfg = new TsoNode.Config(id, withSelf, grpcHost != null ? grpcHost : self.host(), port, dir,
          nodeOptions.rpcTimeoutMin, nodeOptions.rpcTimeoutMax, tuningOptions.applyTo(nodeOptions.fenceConfig()),
          TsoClock.system());
      tuning = tuningOptions.tuning();
      logFormat = tuningOptions.logFormat();
      metricsPort = metricsOptions.portOr(0);
    } catch (IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), e.getMessage());
    }
    Optional<String> refusal = tlsOptions.refusal(security, cfg.grpcHost(), self.host());
    if (refusal.isPresent()) {
      throw new CliException(ExitCodes.USAGE, refusal.get());
    }
    membership.applyInitialFloor(dir);
    ChannelCredentials joinCredentials = membership.joining()
        ? MembershipOptions.joinCredentials(tlsOptions.certFile, tlsOptions.keyFile, tlsOptions.clientCaFile) : null;
    tuningOptions.applyLogging(logFormat, "tso4j-" + id);
    AtomicInteger exitCode = new AtomicInteger(ExitCodes.OK);
    StopSignal stop = new StopSignal();
    // Before the node starts: the Ratis bridge follows Ratis' metric registries from their creation.
    DaemonMetrics metrics = metricsOptions.requested() ? new DaemonMetrics() : null;
    TsoNode node;
    try {
      node = TsoNode.start(cfg, tuning, security, membership.joining(), cause -> {
        exitCode.set(ExitCodes.FATAL);
        stop.release("fatal error");
      });
    } catch (NodeStartException e) {
      if (metrics != null) {
        metrics.close();
      }
      throw new CliException(ExitCodes.STARTUP, "cannot start node " + id + ": " + e.getMessage(), e);
    }
    // A restarted member finds itself in the configuration recovered from its log; only a new one asks.
    if (membership.joining() && !node.inConfiguration()) {
      try {
        membership.askToBeAdded(withSelf.get(0), joinCredentials);
      } catch (CliException e) {
        node.close();
        if (metrics != null) {
          metrics.close();
        }
        throw new CliException(ExitCodes.STARTUP, "node " + id + " could not join: " + e.getMessage(), e);
      }
    }
    PrintWriter out = spec.commandLine().getOut();
    out.println("tso4j node " + id + " serving clients on " + node.endpoint()
        + (security.clientTls().isPresent() ? " (TLS)" : "") + ", raft on " + self.raftAddress()
        + (security.peerTls().isPresent() ? " (TLS)" : "") + ", data in " + dir.toAbsolutePath());
    if (metrics != null) {
      metrics.bind(node);
      MetricsEndpoint endpoint;
      try {
        endpoint = metrics.serve(metricsOptions.hostOr(cfg.grpcHost()), metricsPort);
      } catch (CliException e) {
        node.close();
        metrics.close();
        throw e;
      }
      out.println("metrics on " + endpoint.metricsUrl() + " (health: /health)");
    }
    out.flush();
    stop.await();
    // Looked up here, not in a static field: picocli builds every command at start, and a static logger would set
    // up logging for commands that never log (get, parse, --version).
    Logger log = LoggerFactory.getLogger(ServeCommand.class);
    log.info("[{}] shutting down ({})", id, stop.reason());
    DaemonLogging.stopping();
    node.close();
    if (metrics != null) {
      metrics.close();
    }
    if (exitCode.get() != ExitCodes.OK) {
      throw new CliException(exitCode.get(), "node " + id + " stopped after a fatal error (see the log)");
    }
    return ExitCodes.OK;
  }
}
