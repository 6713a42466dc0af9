package io.tso4j.ratis;

import io.tso4j.core.ConsensusDriver;
import io.tso4j.core.ConsensusException;
import io.tso4j.core.ConsensusException.Kind;
import io.tso4j.core.LeadershipEvent;
import io.tso4j.core.LoadedMark;
import io.tso4j.core.PeerClockSample;
import java.io.IOException;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.protocol.ClientId;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftClientRequest;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.RaftServerConfigKeys;
import org.apache.ratis.statemachine.StateMachine;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link ConsensusDriver} over Apache Ratis: the high-water register is a {@link HighWaterStateMachine} in one
 * Raft group.
 *
 * <p>Both loads and persists are log entries submitted to the local server with {@code submitClientRequestAsync} (no
 * Raft client, so a write is never retried on another node); the state machine rejects a command whose term is not
 * its entry's term. Leadership is pushed from the state machine's notifications and, as a safety net, from a poll of
 * the division's state every {@value LeadershipTracker#POLL_MILLIS} ms ({@link LeadershipTracker}); {@link LeadershipEvent.Leader} is reported only once the
 * leader is ready (its first entry of the term is applied). The lease is 0.8 × the minimum election timeout, which
 * relies on pre-vote (kept on).
 *
 * <p>Three ways to get one: {@link #create(RatisDriverConfig)} builds and owns a Ratis server; {@link #attach} runs over
 * a server and a TSO group that a host application owns (the driver then never starts or closes that server); {@link
 * #piggyback} writes tagged commands into a host application's own group, whose state machine routes them to a
 * {@link HighWaterRegister} (the TSO's leader is then the host group's leader).
 *
 * <p>Thread-safe. Events go to the listener from one driver thread, deduplicated.
 */
public final class RatisDriver implements ConsensusDriver {
  private static final Logger LOG = LoggerFactory.getLogger(RatisDriver.class);

  private final String id;
  private final RaftPeerId peerId;
  private final RaftGroupId groupId;
  private final RaftServer server;
  private final boolean ownsServer;
  private final RatisDriverConfig config;
  private final HighWaterRegister hostRegister;
  private final Duration leaseDuration;
  private final long requestTimeoutNanos;
  private final ClientId clientId = ClientId.randomId();
  private final AtomicLong callIds = new AtomicLong();
  private final AtomicBoolean started = new AtomicBoolean();
  private final Set<CompletableFuture<HighWaterReply>> pending = ConcurrentHashMap.newKeySet();
  private final ScheduledExecutorService events;
  private final LeadershipTracker leadership;
  private final Map<String, String> clientEndpoints;
  private final long initialFloor;
  private volatile LeaderLossDetector leaderLoss;
  private volatile MembershipAdmin membership;
  private volatile RaftServer.Division division;
  private volatile HighWaterRegister register;
  private volatile boolean closed;

  /** How long a suspect node's leadership transfer may take (C6). */
  static final Duration YIELD_TIMEOUT = Duration.ofSeconds(3);

  /** What this node serves its peers on the Raft port; null over a host's server. */
  private final PeerServices peerServices;
  /** This node's channels to its peers' Raft ports, for its own calls (owned servers only; set by start). */
  private volatile PeerChannels peerChannels;
  private final AtomicBoolean yielding = new AtomicBoolean();
  private volatile LongSupplier probeTicker;
  private volatile Consumer<PeerClockSample> probeSink;
  private volatile PeerClockProbe probe;
  /**
   * How often the driver notes where the replica's log ends, for the lease wait's arrival rule (docs/correctness.md
   * F6c): a later fence waits at most this much longer than the arrival of the last lease grant requires.
   */
  static final long LOG_LOOK_MILLIS = 5;

  private RatisDriver(RaftServer server, RaftGroupId groupId, boolean ownsServer, RatisDriverConfig config,
      HighWaterRegister hostRegister, Duration leaseDuration, Duration requestTimeout,
      Map<String, String> clientEndpoints, long initialFloor) {
    this(server, groupId, ownsServer, config, hostRegister, leaseDuration, requestTimeout, clientEndpoints,
        initialFloor, null);
  }

  private RatisDriver(RaftServer server, RaftGroupId groupId, boolean ownsServer, RatisDriverConfig config,
      HighWaterRegister hostRegister, Duration leaseDuration, Duration requestTimeout,
      Map<String, String> clientEndpoints, long initialFloor, PeerServices peerServices) {
    this.peerServices = peerServices;
    this.server = server;
    this.initialFloor = initialFloor;
    this.clientEndpoints = Map.copyOf(clientEndpoints);
    this.peerId = server.getId();
    this.id = peerId.toString();
    this.groupId = groupId;
    this.ownsServer = ownsServer;
    this.config = config;
    this.hostRegister = hostRegister;
    this.leaseDuration = leaseDuration;
    this.requestTimeoutNanos = requestTimeout.toNanos();
    this.events = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "tso4j-ratis-events-" + id);
      t.setDaemon(true);
      return t;
    });
    // Only a server this driver owns gets its peer connections reset; a host's server is the host's business.
    PeerReconnector reconnector = ownsServer
        ? new PeerReconnector(id, peerId, config.rpcTimeoutMax(), config.rpcTimeoutMax()) : null;
    this.leadership = new LeadershipTracker(id, server, events, reconnector);
  }

  /**
   * Builds (but does not start) a Ratis server for {@code config}, recovering the data directory if it holds state
   * and formatting it if empty.
   *
   * @throws ConsensusException PERMANENT if the data directory is unusable or the server cannot be built
   */
  public static RatisDriver create(RatisDriverConfig config) throws ConsensusException {
    return create(config, MembershipSeed.none());
  }

  /**
   * Like {@link #create(RatisDriverConfig)}, with the initial peers' client endpoints recorded in the Raft
   * configuration, or, if {@code seed} joins, an empty configuration that the running group's leader replaces.
   *
   * @throws ConsensusException PERMANENT if the data directory is unusable or the server cannot be built
   */
  public static RatisDriver create(RatisDriverConfig config, MembershipSeed seed) throws ConsensusException {
    PeerServices services = PeerServices.create();
    RaftServer server = RatisServerFactory.build(config, seed, services);
    long floor;
    try {
      floor = InitialFloor.read(config.dataDir()).orElse(0);
    } catch (ConsensusException e) {
      try {
        server.close();
      } catch (IOException | RuntimeException ce) {
        LOG.debug("[{}] closing after a bad floor file: {}", config.nodeId(), ce.toString());
      }
      throw e;
    }
    return new RatisDriver(server, RaftGroupId.valueOf(config.groupId()), true, config, null, config.leaseDuration(),
        config.requestTimeout(), seed.clientEndpoints(), floor, services);
  }

  /**
   * A driver over a Ratis server owned by a host application, for the group {@code groupId}, whose state machine
   * must be a {@link HighWaterStateMachine} (register one with {@code setStateMachineRegistry}). The host starts and
   * closes the server; {@link #start} only expects the group to be there, and {@link #close()} leaves the server
   * running. The lease follows the server's {@code raft.server.rpc.timeout.min}.
   *
   * @throws IllegalArgumentException if pre-vote is disabled on the server (the lease would be unsafe) or an
   *     argument is null or not positive
   */
  public static RatisDriver attach(RaftServer server, RaftGroupId groupId, Duration requestTimeout) {
    return new RatisDriver(server, groupId, false, null, null, hostLease(server, groupId, requestTimeout),
        requestTimeout, Map.of(), 0);
  }

  /**
   * A driver whose commands ride in a host application's own Raft group {@code hostGroupId}: each load or persist is
   * a {@link HighWaterRegister#tag tagged} command submitted to the local {@code server}, and the host's state
   * machine must hand every tagged entry to {@code register} (see {@link HighWaterRegister}) and forward its
   * leadership notifications to it. The host starts and closes the server. The lease follows the server's {@code
   * raft.server.rpc.timeout.min}.
   *
   * @throws IllegalArgumentException if pre-vote is disabled on the server (the lease would be unsafe) or an
   *     argument is null or not positive
   */
  public static RatisDriver piggyback(RaftServer server, RaftGroupId hostGroupId, HighWaterRegister register,
      Duration requestTimeout) {
    if (register == null) {
      throw new IllegalArgumentException("register must be set");
    }
    return new RatisDriver(server, hostGroupId, false, null, register,
        hostLease(server, hostGroupId, requestTimeout), requestTimeout, Map.of(), 0);
  }

  /** Validates a host-owned server and returns the lease its timeouts allow. */
  private static Duration hostLease(RaftServer server, RaftGroupId groupId, Duration requestTimeout) {
    if (server == null || groupId == null) {
      throw new IllegalArgumentException("server and groupId must be set");
    }
    if (requestTimeout == null || requestTimeout.isNegative() || requestTimeout.isZero()) {
      throw new IllegalArgumentException("requestTimeout must be > 0: " + requestTimeout);
    }
    RaftProperties props = server.getProperties();
    if (!RaftServerConfigKeys.LeaderElection.preVote(props)) {
      throw new IllegalArgumentException("pre-vote is disabled on server " + server.getId()
          + "; the tso4j lease needs raft.server.leaderelection.pre-vote=true");
    }
    long minMillis = RaftServerConfigKeys.Rpc.timeoutMin(props).toLong(TimeUnit.MILLISECONDS);
    return Duration.ofNanos(TimeUnit.MILLISECONDS.toNanos(minMillis) * 4 / 5);
  }

  @Override
  public void start(Consumer<LeadershipEvent> eventListener) throws ConsensusException {
    if (closed) {
      throw new ConsensusException(Kind.PERMANENT, "[" + id + "] driver is closed");
    }
    if (!started.compareAndSet(false, true)) {
      throw new ConsensusException(Kind.PERMANENT, "[" + id + "] driver already started");
    }
    if (ownsServer) {
      startOwnedServer();
    }
    RaftServer.Division d;
    try {
      d = server.getDivision(groupId);
    } catch (IOException | RuntimeException e) {
      closeQuietly();
      throw RatisErrors.startup("[" + id + "] Ratis server does not host group " + groupId, e);
    }
    HighWaterRegister reg = hostRegister;
    if (reg == null) {
      StateMachine sm = d.getStateMachine();
      if (!(sm instanceof HighWaterStateMachine)) {
        closeQuietly();
        throw new ConsensusException(Kind.PERMANENT, "[" + id + "] the state machine of group " + groupId + " is "
            + (sm == null ? "null" : sm.getClass().getName()) + ", not " + HighWaterStateMachine.class.getName());
      }
      HighWaterStateMachine hsm = (HighWaterStateMachine) sm;
      hsm.acceptWritesFrom(clientId);
      reg = hsm.register();
      events.scheduleWithFixedDelay(() -> lookAtLog(hsm, d), 0, LOG_LOOK_MILLIS, TimeUnit.MILLISECONDS);
    }
    division = d;
    register = reg;
    membership = new MembershipAdmin(server, groupId, clientEndpoints);
    leadership.start(d, eventListener);
    if (ownsServer) {
      peerServices.log().source(() -> d.getRaftLog().getLastEntryTermIndex());
      PeerChannels channels = new PeerChannels(id, config.peerTls());
      peerChannels = channels;
      leaderLoss = new LeaderLossDetector(id, server, d, config.peerTls(), new PeerLogReader(channels),
          peerServices.log()).start();
      Consumer<PeerClockSample> sink = probeSink;
      if (sink != null) {
        probe = new PeerClockProbe(id, peerId, d, channels, probeTicker, sink).start();
      }
    }
    reg.setLeadershipHints(leadership::onHint);
    LOG.info("[{}] Ratis driver started: {} group {}, peers {}, lease {} ms", id,
        hostRegister == null ? "TSO" : "piggyback on host", groupId, peers().keySet(), leaseDuration.toMillis());
  }

  private void lookAtLog(HighWaterStateMachine sm, RaftServer.Division d) {
    try {
      sm.lookAtLog(d.getRaftLog().getLastEntryTermIndex());
    } catch (RuntimeException e) {
      LOG.debug("[{}] could not look at the log's end: {}", id, e.toString());
    }
  }

  private void startOwnedServer() throws ConsensusException {
    try {
      RatisServerFactory.start(server, config);
    } catch (ConsensusException e) {
      closeQuietly();
      throw e;
    }
  }

  /**
   * C6: this node's Raft port answers its peers' clock reads with {@code monoNanos}, and (once started) reads the
   * other voters' clocks every {@value PeerClockProbe#INTERVAL_MILLIS} ms into {@code sink}. Only a driver that owns
   * its server serves and probes; over a host's server this does nothing (the host's peers serve no clock).
   */
  @Override
  public void startPeerClockSamples(LongSupplier monoNanos, Consumer<PeerClockSample> sink) {
    if (peerServices == null) {
      LOG.debug("[{}] no peer clock probes over a host-owned Ratis server", id);
      return;
    }
    if (started.get()) {
      throw new IllegalStateException("[" + id + "] startPeerClockSamples must come before start");
    }
    peerServices.clock().ticker(monoNanos);
    probeTicker = monoNanos;
    probeSink = sink;
  }

  /**
   * Hands leadership to another member on a thread of its own (for up to {@link #YIELD_TIMEOUT}), if this node leads
   * and no transfer runs yet; returns at once. The oracle stopped serving first (C6, H1).
   */
  @Override
  public void yieldLeadership() {
    if (closed || division == null || !yielding.compareAndSet(false, true)) {
      return;
    }
    Thread t = new Thread(() -> {
      try {
        Optional<String> to = transferLeadership(YIELD_TIMEOUT);
        LOG.info("[{}] clock suspect: {}", id, to.map(l -> "handed leadership to " + l)
            .orElse("no leadership handed away (not the leader, or no follower took over in time)"));
      } catch (RuntimeException e) {
        LOG.warn("[{}] clock suspect: leadership transfer failed: {}", id, e.toString());
      } finally {
        yielding.set(false);
      }
    }, "tso4j-yield-" + id);
    t.setDaemon(true);
    t.start();
  }

  /** How many readings of the other voters' clocks this node took (0 before start and over a host's server). */
  public long peerClockSamples() {
    PeerClockProbe p = probe;
    return p == null ? 0 : p.samples();
  }

  @Override
  public CompletableFuture<LoadedMark> loadHighWater(long term) {
    CompletableFuture<LoadedMark> loaded = submit(HighWaterCommand.load(term)).thenApply(r -> new LoadedMark(r.value(),
        Duration.ofNanos(r.largestLeaseNanos()), r.leaseReleased(),
        r.sinceLastGrantNanos() == HighWaterReply.UNKNOWN ? Optional.empty()
            : Optional.of(Duration.ofNanos(r.sinceLastGrantNanos()))));
    long floor = initialFloor;
    if (floor <= 0) {
      return loaded;
    }
    // The initial floor (InitialFloor): raise the mark in this term before the fence computes its floor from it. The
    // persist grants this node's own lease; the lease records of earlier leaders (largest, age) stay as loaded.
    return loaded.thenCompose(m -> m.highWater() >= floor ? CompletableFuture.completedFuture(m)
        : persistHighWater(floor, term).thenApply(v -> {
          LOG.info("[{}] raised the high-water mark from {} to the initial floor {}", id, m.highWater(), v);
          return new LoadedMark(v, m.largestLease(), false, m.sinceLastGrant());
        }));
  }

  @Override
  public CompletableFuture<Long> persistHighWater(long atLeast, long term) {
    if (atLeast < 0 || term < 0) {
      return CompletableFuture.failedFuture(new ConsensusException(Kind.PERMANENT,
          "[" + id + "] invalid persist: value " + atLeast + ", term " + term));
    }
    // Every persist carries this node's lease: the register keeps the largest (docs/correctness.md F6, R5).
    return submit(HighWaterCommand.persist(term, atLeast, leaseDuration.toNanos())).thenApply(HighWaterReply::value);
  }

  @Override
  public CompletableFuture<Long> releaseLease(long term, long servedUpTo) {
    if (servedUpTo < 0 || term < 0) {
      return CompletableFuture.failedFuture(new ConsensusException(Kind.PERMANENT,
          "[" + id + "] invalid release: value " + servedUpTo + ", term " + term));
    }
    return submit(HighWaterCommand.release(term, servedUpTo)).thenApply(HighWaterReply::value);
  }

  private CompletableFuture<HighWaterReply> submit(HighWaterCommand cmd) {
    if (closed) {
      return CompletableFuture.failedFuture(new ConsensusException(Kind.PERMANENT, "[" + id + "] driver closed"));
    }
    if (division == null) {
      return CompletableFuture.failedFuture(new ConsensusException(Kind.PERMANENT, "[" + id + "] not started"));
    }
    RaftClientRequest request = RaftClientRequest.newBuilder()
        .setClientId(clientId)
        .setServerId(peerId)
        .setGroupId(groupId)
        .setCallId(callIds.incrementAndGet())
        .setMessage(Message.valueOf(ByteString.copyFrom(
            hostRegister == null ? cmd.encode() : HighWaterRegister.tag(cmd.encode()))))
        .setType(RaftClientRequest.writeRequestType())
        .build();
    CompletableFuture<HighWaterReply> result = new CompletableFuture<>();
    pending.add(result);
    result.whenComplete((v, e) -> pending.remove(result));
    ScheduledFuture<?> timer;
    try {
      timer = events.schedule(() -> result.completeExceptionally(new ConsensusException(Kind.TRANSIENT,
          "[" + id + "] " + cmd.op() + " in term " + cmd.term() + " timed out after "
              + requestTimeoutNanos / 1_000_000 + " ms")), requestTimeoutNanos, TimeUnit.NANOSECONDS);
    } catch (RejectedExecutionException e) {
      result.completeExceptionally(new ConsensusException(Kind.PERMANENT, "[" + id + "] driver closed"));
      return result;
    }
    result.whenComplete((v, e) -> timer.cancel(false));
    CompletableFuture<RaftClientReply> reply;
    try {
      reply = server.submitClientRequestAsync(request);
    } catch (IOException | RuntimeException e) {
      result.completeExceptionally(RatisErrors.classify(id, e));
      return result;
    }
    reply.whenComplete((r, e) -> {
      try {
        result.complete(toReply(cmd, r, e));
      } catch (ConsensusException ce) {
        result.completeExceptionally(ce);
      }
    });
    return result;
  }

  private HighWaterReply toReply(HighWaterCommand cmd, RaftClientReply r, Throwable e) throws ConsensusException {
    if (e != null) {
      throw RatisErrors.classify(id, e);
    }
    if (!r.isSuccess()) {
      Throwable cause = r.getException();
      if (cause == null) {
        throw new ConsensusException(Kind.TRANSIENT, "[" + id + "] " + cmd.op() + " failed without a cause");
      }
      throw RatisErrors.classify(id, cause);
    }
    HighWaterReply reply;
    try {
      reply = HighWaterReply.decode(r.getMessage().getContent().toByteArray());
    } catch (IllegalArgumentException | NullPointerException ex) {
      throw new ConsensusException(Kind.PERMANENT, "[" + id + "] undecodable state machine reply: " + ex
          + (hostRegister == null ? "" : "; does the host state machine of group " + groupId
              + " hand tagged commands to HighWaterRegister.applyTagged?"), ex);
    }
    switch (reply.status()) {
      case OK:
        return reply;
      case OUT_OF_RANGE:
        // The fence clamps every value to the limit, so only a broken proposer gets here; the register is unchanged.
        throw new ConsensusException(Kind.PERMANENT, "[" + id + "] the state machine refused " + cmd.op() + " of "
            + cmd.value() + ": above the largest physical time a timestamp can carry (" + reply.value() + ")");
      case FENCED:
        throw new ConsensusException(Kind.FENCED, "[" + id + "] " + cmd.op() + " of term " + cmd.term()
            + " landed in term " + reply.entryTerm() + " (fenced term " + reply.value() + ")");
      case BAD_COMMAND:
      default:
        throw new ConsensusException(Kind.PERMANENT, "[" + id + "] the state machine rejected a malformed "
            + cmd.op() + " command" + (hostRegister == null ? "" : " (does the host pass the tagged bytes intact?)"));
    }
  }

  @Override
  public Duration leaseDuration() {
    return leaseDuration;
  }

  @Override
  public LeadershipEvent currentLeadership() {
    return leadership.current();
  }

  /** The id of the leader this node knows of (itself if it leads), if any. */
  public Optional<String> leaderId() {
    return leadership.leaderId();
  }

  /** The members of the group, id → Raft address, in configuration order. */
  public Map<String, String> peers() {
    RaftServer.Division d = division;
    if (d == null && config != null) {
      return config.peers();
    }
    Map<String, String> out = new LinkedHashMap<>();
    try {
      RaftGroup group = d != null ? d.getGroup() : server.getDivision(groupId).getGroup();
      for (RaftPeer p : group.getPeers()) {
        out.put(p.getId().toString(), p.getAddress());
      }
    } catch (IOException | RuntimeException e) {
      LOG.debug("[{}] cannot read the group members: {}", id, e.toString());
    }
    return Collections.unmodifiableMap(out);
  }

  /**
   * The membership of the group (committed configuration, progress, changes), or empty before {@link #start}.
   */
  public Optional<MembershipAdmin> membership() {
    return Optional.ofNullable(membership);
  }

  /**
   * The high-water mark (physical milliseconds) as applied on this replica; on the leader, every committed write is
   * in it. 0 for a register never written, and for a piggyback driver (the host's state machine holds it).
   */
  public long appliedHighWater() {
    HighWaterRegister reg = register;
    return reg == null ? 0 : reg.highWater();
  }

  /** The Raft group this driver writes to. */
  public RaftGroupId groupId() {
    return groupId;
  }

  /**
   * Hands leadership to a healthy follower if this node leads (graceful shutdown) and waits up to {@code timeout};
   * returns the new leader's id, or empty if this node did not lead or no follower took over in time. Transfer skips
   * pre-vote: stop serving before calling this (docs/correctness.md H1).
   */
  public Optional<String> transferLeadership(Duration timeout) {
    if (closed || division == null) {
      return Optional.empty();
    }
    return LeadershipTransfer.transfer(server, groupId, timeout);
  }

  /** How many elections this node's leader-loss detector started (0 for a host-owned server). */
  public long leaderLossElections() {
    LeaderLossDetector d = leaderLoss;
    return d == null ? 0 : d.elections();
  }

  /** This node's division of the group, or null before start (tests). */
  RaftServer.Division division() {
    return division;
  }

  /** This node's leader-loss detector, or null for a host-owned server or before start (tests). */
  LeaderLossDetector leaderLossDetector() {
    return leaderLoss;
  }

  /** Whether this driver started (and will close) its own Ratis server. */
  public boolean ownsServer() {
    return ownsServer;
  }

  @Override
  public String localId() {
    return id;
  }

  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    leadership.close();
    LeaderLossDetector detector = leaderLoss;
    if (detector != null) {
      detector.close();
    }
    PeerClockProbe p = probe;
    if (p != null) {
      p.close();
    }
    PeerChannels channels = peerChannels;
    if (channels != null) {
      channels.close();
    }
    HighWaterRegister reg = register;
    if (reg != null) {
      reg.setLeadershipHints(null);
    }
    events.shutdownNow();
    for (CompletableFuture<HighWaterReply> f : List.copyOf(pending)) {
      f.completeExceptionally(new ConsensusException(Kind.PERMANENT, "[" + id + "] driver closed"));
    }
    if (ownsServer) {
      try {
        server.close();
      } catch (IOException | RuntimeException e) {
        LOG.warn("[{}] closing the Ratis server failed: {}", id, RatisErrors.describe(e));
      }
    }
    LOG.info("[{}] Ratis driver closed", id);
  }

  @Override
  public String toString() {
    return "RatisDriver[" + id + "]";
  }

  private void closeQuietly() {
    leadership.close();
    if (ownsServer) {
      try {
        server.close();
      } catch (IOException | RuntimeException e) {
        LOG.debug("[{}] closing after a failed start: {}", id, e.toString());
      }
    }
    closed = true;
    events.shutdownNow();
  }
}
