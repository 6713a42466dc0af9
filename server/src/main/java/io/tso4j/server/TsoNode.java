package io.tso4j.server;

import io.tso4j.core.ConsensusException;
import io.tso4j.core.FenceConfig;
import io.tso4j.core.TimestampOracle;
import io.tso4j.core.TsoClock;
import io.grpc.BindableService;
import io.grpc.InsecureServerCredentials;
import io.grpc.ServerCredentials;
import io.grpc.protobuf.services.ProtoReflectionServiceV1;
import io.tso4j.server.admin.AdminGrpcService;
import io.tso4j.server.admin.CommittedMembers;
import io.tso4j.server.grpc.HealthReporter;
import io.tso4j.server.grpc.MemberDirectory;
import io.tso4j.server.grpc.MemberSource;
import io.tso4j.server.grpc.ServingStateLog;
import io.tso4j.server.grpc.ServingStateWatchService;
import io.tso4j.server.grpc.TsoGrpcServer;
import io.tso4j.server.grpc.TsoGrpcService;
import io.tso4j.ratis.RatisDriver;
import io.tso4j.ratis.MembershipSeed;
import io.tso4j.ratis.PeerTls;
import io.tso4j.ratis.RatisDriverConfig;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One tso4j server node: the Ratis driver, the timestamp oracle and its gRPC service, started and stopped together.
 *
 * <p>Start order: bind the gRPC port (so a busy port fails before Raft starts), start Raft and the leader watch.
 * Close order (graceful handoff): stop serving (the allocator refuses at once), hand Raft leadership to a healthy
 * follower if this node leads, stop Raft, end the serving-state watch streams, stop the gRPC server. Thread-safe.
 *
 * <p>The gRPC server carries tso4j.v1 TimestampOracle, tso4j.v1 ServingStateWatch, tso4j.v1 Admin, grpc.health.v1
 * Health ({@link HealthReporter}) and, unless {@link NodeSecurity#reflection()} is off, gRPC server reflection v1. With {@link
 * NodeSecurity} TLS the client port and the Raft port speak TLS, their files re-read when they change ({@link
 * ReloadingTls}); the Admin service rides on the client port, so it gets the same TLS (and client certificates). The
 * members the services report (and the leader hints) follow the committed Raft configuration ({@link
 * CommittedMembers}), not the peer list the node was started with.
 */
public final class TsoNode implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(TsoNode.class);

  private final Config config;
  private final NodeTuning tuning;
  private final RatisDriver driver;
  private final TimestampOracle oracle;
  private final TsoGrpcServer grpc;
  private final TsoGrpcService service;
  private final ServingStateWatchService watch;
  private final HealthReporter health;
  private final List<ReloadingTls> tls;

  /**
   * What a node needs to run.
   *
   * @param nodeId this node's id; must be one of {@code peers}
   * @param peers every member of the cluster, this node included
   * @param grpcHost the address the gRPC service binds
   * @param grpcPort the gRPC port (0 = any free port)
   * @param dataDir where Raft keeps its log and snapshots for this node
   * @param rpcTimeoutMin the Raft minimum election timeout (the lease is 0.8 of it)
   * @param rpcTimeoutMax the Raft maximum election timeout
   * @param fence the leader watch and window settings
   * @param clock the clocks (a wall-clock offset can be injected for tests)
   */
  public record Config(String nodeId, List<PeerSpec> peers, String grpcHost, int grpcPort, Path dataDir,
      Duration rpcTimeoutMin, Duration rpcTimeoutMax, FenceConfig fence, TsoClock clock) {
    /** Validates the fields. */
    public Config {
      Objects.requireNonNull(nodeId, "nodeId");
      Objects.requireNonNull(peers, "peers");
      Objects.requireNonNull(dataDir, "dataDir");
      Objects.requireNonNull(fence, "fence");
      Objects.requireNonNull(clock, "clock");
      if (peers.stream().noneMatch(p -> p.id().equals(nodeId))) {
        throw new IllegalArgumentException("--id " + nodeId + " is not in the peer list " + peers);
      }
      if (grpcPort < 0 || grpcPort > 65535) {
        throw new IllegalArgumentException("gRPC port out of range: " + grpcPort);
      }
    }
  }

  private TsoNode(Config config, NodeTuning tuning, RatisDriver driver, TimestampOracle oracle, TsoGrpcServer grpc,
      TsoGrpcService service, ServingStateWatchService watch, HealthReporter health, List<ReloadingTls> tls) {
    this.config = config;
    this.tuning = tuning;
    this.driver = driver;
    this.oracle = oracle;
    this.grpc = grpc;
    this.service = service;
    this.watch = watch;
    this.health = health;
    this.tls = tls;
  }

  /**
   * Starts a node. {@code fatalHandler} runs if the oracle is poisoned later.
   *
   * @throws NodeStartException with a one-line reason if the node cannot start (busy port, bad data directory)
   */
  public static TsoNode start(Config config, Consumer<Throwable> fatalHandler) throws NodeStartException {
    return start(config, NodeTuning.defaults(), fatalHandler);
  }

  /**
   * Starts a node with the knobs in {@code tuning}. {@code fatalHandler} runs if the oracle is poisoned later.
   *
   * @throws NodeStartException with a one-line reason if the node cannot start (busy port, bad data directory)
   */
  public static TsoNode start(Config config, NodeTuning tuning, Consumer<Throwable> fatalHandler)
      throws NodeStartException {
    return start(config, tuning, NodeSecurity.plaintext(), fatalHandler);
  }

  /**
   * Starts a node with the knobs in {@code tuning} and the ports secured by {@code security}. {@code fatalHandler}
   * runs if the oracle is poisoned later.
   *
   * @throws NodeStartException with a one-line reason if the node cannot start (busy port, bad data directory, a TLS
   *     file that cannot be read)
   */
  public static TsoNode start(Config config, NodeTuning tuning, NodeSecurity security,
      Consumer<Throwable> fatalHandler) throws NodeStartException {
    return start(config, tuning, security, false, fatalHandler);
  }

  /** Like {@link #start(Config, NodeTuning, NodeSecurity, boolean, Consumer)} with plaintext ports. */
  public static TsoNode start(Config config, NodeTuning tuning, boolean join, Consumer<Throwable> fatalHandler)
      throws NodeStartException {
    return start(config, tuning, NodeSecurity.plaintext(), join, fatalHandler);
  }

  /**
   * Starts a node; with {@code join}, its Raft server starts with an empty configuration and waits for a running
   * group's leader to add it ({@code Admin.AddMember}); {@code config.peers()} then needs only this node. A data
   * directory that already holds the group's log recovers the configuration from the log either way.
   *
   * @throws NodeStartException with a one-line reason if the node cannot start (busy port, bad data directory, a TLS
   *     file that cannot be read)
   */
  public static TsoNode start(Config config, NodeTuning tuning, NodeSecurity security, boolean join,
      Consumer<Throwable> fatalHandler) throws NodeStartException {
    Map<String, String> raftPeers = new LinkedHashMap<>();
    Map<String, String> clientEndpoints = new LinkedHashMap<>();
    for (PeerSpec p : config.peers()) {
      raftPeers.put(p.id(), p.raftAddress());
      clientEndpoints.put(p.id(), p.clientEndpoint());
    }
    List<ReloadingTls> tls = new ArrayList<>();
    PeerTls peerTls;
    ServerCredentials credentials;
    try {
      peerTls = security.peerTls().map(files -> {
        ReloadingTls t = ReloadingTls.open(config.nodeId(), "peer TLS", files, security.tlsRefreshPeriod());
        tls.add(t);
        return new PeerTls(t.keyManager(), t.trustManager().orElseThrow());
      }).orElse(null);
      credentials = clientCredentials(config.nodeId(), security, tls);
    } catch (IllegalArgumentException e) {
      tls.forEach(ReloadingTls::close);
      throw new NodeStartException(e.getMessage(), e);
    }
    RatisDriver driver;
    try {
      driver = RatisDriver.create(RatisDriverConfig.builder()
          .nodeId(config.nodeId())
          .peers(raftPeers)
          .dataDir(config.dataDir())
          .rpcTimeout(config.rpcTimeoutMin(), config.rpcTimeoutMax())
          .groupId(tuning.groupId())
          .snapshotThreshold(tuning.snapshotThreshold())
          .requestTimeout(tuning.raftRequestTimeout())
          .peerTls(peerTls)
          .build(), new MembershipSeed(clientEndpoints, join));
    } catch (ConsensusException e) {
      tls.forEach(ReloadingTls::close);
      throw new NodeStartException(e.reason(), e);
    }
    TimestampOracle oracle = new TimestampOracle(driver, config.fence(), config.clock(), fatalHandler);
    MemberSource members = new CommittedMembers(driver, MemberDirectory.of(config.nodeId(), clientEndpoints));
    ServingStateLog stateLog = new ServingStateLog();
    oracle.addListener(stateLog);
    HealthReporter health = new HealthReporter();
    oracle.addListener(health);
    ServingStateWatchService watch = new ServingStateWatchService(stateLog, members);
    TsoGrpcService service = new TsoGrpcService(oracle, members);
    AdminGrpcService admin = new AdminGrpcService(oracle, driver, members, config.clock(),
        AdminGrpcService.DEFAULT_CHANGE_TIMEOUT);
    List<BindableService> services = new ArrayList<>(List.of(service, watch, admin, health.service()));
    if (security.reflection()) {
      services.add(ProtoReflectionServiceV1.newInstance());
    }
    TsoGrpcServer grpc = new TsoGrpcServer(config.grpcHost(), config.grpcPort(), services,
        TsoGrpcServer.DEFAULT_SHUTDOWN_GRACE, credentials);
    try {
      grpc.start();
    } catch (IOException e) {
      watch.close();
      driver.close();
      tls.forEach(ReloadingTls::close);
      throw new NodeStartException(e.getMessage(), e);
    }
    try {
      oracle.start();
    } catch (ConsensusException e) {
      watch.close();
      grpc.close();
      oracle.close();
      driver.close();
      tls.forEach(ReloadingTls::close);
      throw new NodeStartException(e.reason(), e);
    }
    return new TsoNode(config, tuning, driver, oracle, grpc, service, watch, health, List.copyOf(tls));
  }

  /** The credentials of the client port: plaintext, TLS, or mutual TLS if a client CA file is given. */
  private static ServerCredentials clientCredentials(String nodeId, NodeSecurity security, List<ReloadingTls> tls) {
    if (security.clientTls().isEmpty()) {
      return InsecureServerCredentials.create();
    }
    ReloadingTls t = ReloadingTls.open(nodeId, "client TLS", security.clientTls().get(), security.tlsRefreshPeriod());
    tls.add(t);
    return t.serverCredentials();
  }

  /** The node's id. */
  public String id() {
    return config.nodeId();
  }

  /** The bound gRPC port. */
  public int grpcPort() {
    return grpc.port();
  }

  /** The client endpoint, host:port. */
  public String endpoint() {
    return config.grpcHost() + ":" + grpc.port();
  }

  /**
   * Whether this node is in the Raft configuration it knows (recovered from its log, or received from the leader): a
   * node that joins with an empty data dir is not, until the group adds it.
   */
  public boolean inConfiguration() {
    return driver.membership().map(m -> m.committed().member(config.nodeId()).isPresent()).orElse(false);
  }

  /** The in-process oracle (same guarantees as the gRPC service). */
  public TimestampOracle oracle() {
    return oracle;
  }

  /** The TimestampOracle gRPC service (metrics set its {@link io.tso4j.server.grpc.RequestRecorder}). */
  public TsoGrpcService timestampService() {
    return service;
  }

  /** The ServingStateWatch gRPC service (metrics read its subscriber count). */
  public ServingStateWatchService watchService() {
    return watch;
  }

  /**
   * Graceful shutdown. If this node serves, it renews its lease and keeps serving on it while Raft leadership is
   * handed to a healthy follower (H3; up to {@link NodeTuning#handoffGrace()}; no transfer at all if that is zero);
   * the new leader fences as after any election and waits that lease out (F6, F6b), so clients are served until
   * shortly before the new leader serves. Then it stops serving for good and, if it still leads (the transfer
   * failed), commits a lease release so that the next leader may skip its wait (H2); then it stops Raft (the others
   * elect a leader as after a crash), ends the watch streams and stops the gRPC service. Idempotent.
   */
  @Override
  public void close() {
    Duration grace = tuning.handoffGrace();
    long started = System.nanoTime();
    Optional<String> to = Optional.empty();
    if (!grace.isZero()) {
      Duration lease = oracle.prepareHandoff(grace);
      long leaseEnd = started + lease.toNanos();
      to = driver.transferLeadership(grace);
      String how = lease.isZero() ? "not serving" : "serving on a renewed lease meanwhile";
      to.ifPresent(l -> LOG.info("[{}] handed leadership to {} in {} ms ({})", config.nodeId(), l,
          (System.nanoTime() - started) / 1_000_000, how));
      // H3: serve out the renewed lease; the new leader waits for its end anyway (F6b). Bounded by the grace.
      long left = Math.min(leaseEnd - System.nanoTime(), started + grace.toNanos() - System.nanoTime());
      if (to.isPresent() && left > 0) {
        LockSupport.parkNanos(left + TimeUnit.MILLISECONDS.toNanos(1));
      }
    }
    oracle.stopServingAndReleaseLease(grace);
    oracle.close();
    // Raft before gRPC: if the transfer failed, the others elect a leader while gRPC drains its calls.
    driver.close();
    health.close();
    watch.close();
    grpc.close();
    tls.forEach(ReloadingTls::close);
  }
}
