package io.tso4j.server.embed;

import io.tso4j.server.core.ConsensusException;
import io.tso4j.server.core.FenceConfig;
import io.tso4j.server.core.TimestampOracle;
import io.tso4j.server.core.TsoClock;
import io.tso4j.server.grpc.MemberDirectory;
import io.tso4j.server.grpc.TsoGrpcServer;
import io.tso4j.server.grpc.TsoGrpcService;
import io.tso4j.server.ratis.HighWaterRegister;
import io.tso4j.server.ratis.HighWaterStateMachine;
import io.tso4j.server.ratis.RatisDriver;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Consumer;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.statemachine.StateMachine;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * tso4j running inside an application that already runs Apache Ratis: the same {@link TimestampOracle} (allocator,
 * fence, lease, guarantees) as a standalone node, over the host's {@link RaftServer}.
 *
 * <p><b>Co-hosted group</b> ({@link #cohosted}): the TSO is its own Raft group on the host's server, with its own
 * log, snapshots and fencing; the host's state machine and log format are untouched. The host must build its server
 * with {@code setStateMachineRegistry} and return a {@link HighWaterStateMachine} for the TSO group (for example via
 * {@link #registryWithTsoGroup}); {@code setStateMachine} would share one instance across groups. The TSO leader is
 * elected independently of the host group's leader.
 *
 * <p><b>In-log piggyback</b> ({@link #piggyback}): the TSO's high-water commands are tagged entries in the host's own
 * log, and the TSO's leader is the host's leader. The host's state machine <em>must</em>:
 * <ul>
 *   <li>hand every entry for which {@link HighWaterRegister#isTsoCommand} holds to {@link
 *       HighWaterRegister#applyTagged} <em>before</em> its own decoding, return the bytes it gives as the reply
 *       message, and advance its last applied index for it like for any entry;</li>
 *   <li>include {@link HighWaterRegister#snapshot()} in every snapshot it takes, and {@link
 *       HighWaterRegister#restore(byte[])} it whenever it loads one ({@code initialize}, {@code reinitialize});</li>
 *   <li>forward {@code notifyLeaderReady}, {@code notifyNotLeader} and {@code notifyLeaderChanged} to the register,
 *       promptly.</li>
 * </ul>
 *
 * <p>In both modes the host must <em>not</em>: block in any Ratis callback (a high-water write waits on the same
 * apply thread: deadlock; the register's methods never block); disable pre-vote (the serving lease relies on it;
 * {@link #start} refuses such a server); transfer leadership while the TSO serves without stopping it first; close
 * the server before {@link #close()}. The host owns the server: this class never starts or closes it. Keep-alive
 * writes add about 20 small entries a second to the TSO's log (the host's log in piggyback mode), so a host with
 * automatic snapshots should expect them more often.
 *
 * <pre>{@code
 * EmbeddedTso tso = EmbeddedTso.piggyback(server, hostGroupId, register).start();
 * Grant g = tso.oracle().allocate(1);      // throws RefusedException unless this node serves
 * tso.startGrpc("0.0.0.0", 7001);          // optional: tso4j clients over gRPC
 * tso.close();                             // before the host closes its server
 * }</pre>
 *
 * <p>Thread-safe.
 */
public final class EmbeddedTso implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(EmbeddedTso.class);

  /** How the TSO is embedded. */
  public enum Mode {
    /** Its own Raft group on the host's server. */
    COHOSTED,
    /** Tagged commands in the host's own log. */
    PIGGYBACK
  }

  private final Mode mode;
  private final RatisDriver driver;
  private final TimestampOracle oracle;
  private final Map<String, String> clientEndpoints;
  private TsoGrpcServer grpc;
  private boolean closed;

  EmbeddedTso(Mode mode, RatisDriver driver, FenceConfig fence, TsoClock clock, Consumer<Throwable> fatal,
      Map<String, String> clientEndpoints) {
    this.mode = mode;
    this.driver = driver;
    this.oracle = new TimestampOracle(driver, fence, clock, fatal);
    this.clientEndpoints = clientEndpoints;
  }

  /**
   * A builder for a TSO that runs as the Raft group {@code tsoGroupId} on the host's {@code server}, whose state
   * machine registry yields a {@link HighWaterStateMachine} for that group. The group must be on the server at
   * {@link CohostedBuilder#start()}, or be named with {@link CohostedBuilder#addGroupIfAbsent}.
   */
  public static CohostedBuilder cohosted(RaftServer server, RaftGroupId tsoGroupId) {
    return new CohostedBuilder(server, tsoGroupId);
  }

  /**
   * A builder for a TSO whose commands ride in the host's group {@code hostGroupId} on {@code server}, applied by the
   * host's state machine through {@code register} (one register per host state machine instance).
   */
  public static PiggybackBuilder piggyback(RaftServer server, RaftGroupId hostGroupId, HighWaterRegister register) {
    return new PiggybackBuilder(server, hostGroupId, register);
  }

  /**
   * A state machine registry for a co-hosting server: a new {@link HighWaterStateMachine} for {@code tsoGroupId},
   * the host's own registry for every other group. Pass it to {@code RaftServer.Builder.setStateMachineRegistry}.
   */
  public static StateMachine.Registry registryWithTsoGroup(RaftGroupId tsoGroupId, StateMachine.Registry host) {
    Objects.requireNonNull(tsoGroupId, "tsoGroupId");
    Objects.requireNonNull(host, "host");
    return gid -> tsoGroupId.equals(gid) ? new HighWaterStateMachine() : host.apply(gid);
  }

  void startOracle() throws ConsensusException {
    try {
      oracle.start();
    } catch (ConsensusException | RuntimeException e) {
      oracle.close();
      driver.close();
      throw e;
    }
    LOG.info("[{}] embedded TSO started ({}, group {})", driver.localId(), mode, driver.groupId());
  }

  /** The in-process oracle: {@code allocate(n)} hands out timestamps while this node serves. */
  public TimestampOracle oracle() {
    return oracle;
  }

  /** How the TSO is embedded. */
  public Mode mode() {
    return mode;
  }

  /** This node's id (the host server's peer id). */
  public String nodeId() {
    return driver.localId();
  }

  /** The Raft group the TSO writes to (the TSO group, or the host's group in piggyback mode). */
  public RaftGroupId groupId() {
    return driver.groupId();
  }

  /** The id of the TSO's leader as this node knows it, if any. */
  public Optional<String> leaderId() {
    return driver.leaderId();
  }

  /**
   * Serves tso4j's gRPC API (for {@code io.tso4j.client.TsoClient}) on {@code host:port} (0 = a free port) and
   * returns the bound endpoint {@code host:port}. Leader hints name the endpoints given to the builder's {@code
   * clientEndpoint}; this node's own is {@code host:port} unless given there (with port 0: unknown).
   *
   * @throws IOException naming the address if it cannot be bound
   * @throws IllegalStateException if gRPC already runs or this TSO is closed
   */
  public synchronized String startGrpc(String host, int port) throws IOException {
    if (closed || grpc != null) {
      throw new IllegalStateException("[" + nodeId() + "] gRPC already started, or the TSO is closed");
    }
    Map<String, String> endpoints = new LinkedHashMap<>();
    for (String member : driver.peers().keySet()) {
      endpoints.put(member, clientEndpoints.getOrDefault(member, ""));
    }
    if (!clientEndpoints.containsKey(nodeId()) && port != 0) {
      endpoints.put(nodeId(), host + ":" + port);
    }
    endpoints.putIfAbsent(nodeId(), "");
    MemberDirectory directory = MemberDirectory.of(nodeId(), endpoints);
    TsoGrpcServer server = new TsoGrpcServer(host, port, new TsoGrpcService(oracle, directory));
    server.start();
    grpc = server;
    LOG.info("[{}] embedded TSO serves gRPC on {}", nodeId(), server.endpoint());
    return server.endpoint();
  }

  /** The bound gRPC endpoint, if {@link #startGrpc} ran. */
  public synchronized Optional<String> grpcEndpoint() {
    return grpc == null ? Optional.empty() : Optional.of(grpc.endpoint());
  }

  /** Stops serving, then the gRPC service (if any), then the driver; leaves the host's server running. */
  @Override
  public void close() {
    TsoGrpcServer g;
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
      g = grpc;
    }
    oracle.close();
    if (g != null) {
      g.close();
    }
    driver.close();
    LOG.info("[{}] embedded TSO closed", driver.localId());
  }

  @Override
  public String toString() {
    return "EmbeddedTso[" + driver.localId() + ", " + mode + ", " + driver.groupId() + "]";
  }
}
