package io.tso4j.ratis.embed;

import io.tso4j.core.ConsensusException;
import io.tso4j.core.FenceConfig;
import io.tso4j.core.TimestampOracle;
import io.tso4j.core.TsoClock;
import io.tso4j.ratis.HighWaterRegister;
import io.tso4j.ratis.HighWaterStateMachine;
import io.tso4j.ratis.RatisDriver;
import java.util.List;
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
 * tso.close();                             // before the host closes its server
 * }</pre>
 *
 * <p>To serve tso4j clients over gRPC as well, the {@code tso4j-server} module's {@code EmbeddedGrpc.start(tso, host,
 * port)} puts the same oracle behind tso4j's gRPC API (this module has no gRPC of its own).
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

  /** The ids of the Raft group's members (this node included), in configuration order. */
  public List<String> memberIds() {
    return List.copyOf(driver.peers().keySet());
  }

  /** The client endpoints given to the builder, member id → {@code host:port} (members without one are absent). */
  public Map<String, String> clientEndpoints() {
    return clientEndpoints;
  }

  /** Stops serving, then the driver; leaves the host's server running. Idempotent. */
  @Override
  public void close() {
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
    }
    oracle.close();
    driver.close();
    LOG.info("[{}] embedded TSO closed", driver.localId());
  }

  @Override
  public String toString() {
    return "EmbeddedTso[" + driver.localId() + ", " + mode + ", " + driver.groupId() + "]";
  }
}
