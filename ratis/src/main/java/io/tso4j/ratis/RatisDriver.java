package io.tso4j.ratis;

import io.tso4j.core.ConsensusDriver;
import io.tso4j.core.ConsensusException;
import io.tso4j.core.ConsensusException.Kind;
import io.tso4j.core.LeadershipEvent;
import io.tso4j.core.LoadedMark;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
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
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.grpc.GrpcConfigKeys;
import org.apache.ratis.protocol.ClientId;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftClientRequest;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.server.DivisionInfo;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.RaftServerConfigKeys;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.statemachine.StateMachine;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;
import org.apache.ratis.util.TimeDuration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link ConsensusDriver} over Apache Ratis: the high-water register is a {@link HighWaterStateMachine} in one
 * Raft group.
 *
 * <p>Both loads and persists are log entries submitted to the local server with {@code submitClientRequestAsync} (no
 * Raft client, so a write is never retried on another node); the state machine rejects a command whose term is not
 * its entry's term. Leadership is pushed from the state machine's notifications and, as a safety net, from a poll of
 * the division's state every {@value #POLL_MILLIS} ms; {@link LeadershipEvent.Leader} is reported only once the
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
  static final long POLL_MILLIS = 50;
  static final int SNAPSHOTS_RETAINED = 3;
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
  private final PeerReconnector reconnector;
  private volatile RaftServer.Division division;
  private volatile HighWaterRegister register;
  private volatile boolean closed;
  // Owned by the events thread.
  private Consumer<LeadershipEvent> listener = e -> { };
  private LeadershipEvent lastPublished;

  private RatisDriver(RaftServer server, RaftGroupId groupId, boolean ownsServer, RatisDriverConfig config,
      HighWaterRegister hostRegister, Duration leaseDuration, Duration requestTimeout) {
    this.server = server;
    this.peerId = server.getId();
    this.id = peerId.toString();
    this.groupId = groupId;
    this.ownsServer = ownsServer;
    this.config = config;
    this.hostRegister = hostRegister;
    this.leaseDuration = leaseDuration;
    this.requestTimeoutNanos = requestTimeout.toNanos();
    Duration electionMax = config != null ? config.rpcTimeoutMax() : RatisDriverConfig.DEFAULT_RPC_TIMEOUT_MAX;
    this.reconnector = new PeerReconnector(id, peerId, electionMax, electionMax);
    this.events = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "tso4j-ratis-events-" + id);
      t.setDaemon(true);
      return t;
    });
  }

  /**
   * Builds (but does not start) a Ratis server for {@code config}, recovering the data directory if it holds state
   * and formatting it if empty.
   *
   * @throws ConsensusException PERMANENT if the data directory is unusable or the server cannot be built
   */
  public static RatisDriver create(RatisDriverConfig config) throws ConsensusException {
    prepareDataDir(config.nodeId(), config.dataDir());
    RaftProperties props = new RaftProperties();
    RaftServerConfigKeys.setStorageDir(props, List.of(config.dataDir().toFile()));
    GrpcConfigKeys.Server.setHost(props, config.localHost());
    GrpcConfigKeys.Server.setPort(props, config.localPort());
    RaftServerConfigKeys.Rpc.setTimeoutMin(props, millis(config.rpcTimeoutMin()));
    RaftServerConfigKeys.Rpc.setTimeoutMax(props, millis(config.rpcTimeoutMax()));
    RaftServerConfigKeys.LeaderElection.setPreVote(props, true);
    if (config.snapshotThreshold().isPresent()) {
      RaftServerConfigKeys.Snapshot.setAutoTriggerEnabled(props, true);
      RaftServerConfigKeys.Snapshot.setAutoTriggerThreshold(props, config.snapshotThreshold().getAsLong());
      RaftServerConfigKeys.Snapshot.setRetentionFileNum(props, SNAPSHOTS_RETAINED);
    }
    List<RaftPeer> peers = new ArrayList<>();
    config.peers().forEach((pid, address) -> peers.add(RaftPeer.newBuilder().setId(pid).setAddress(address).build()));
    RaftGroupId gid = RaftGroupId.valueOf(config.groupId());
    RaftServer server;
    try {
      server = RaftServer.newBuilder()
          .setServerId(RaftPeerId.valueOf(config.nodeId()))
          .setGroup(RaftGroup.valueOf(gid, peers))
          .setStateMachine(new HighWaterStateMachine())
          .setProperties(props)
          .setOption(RaftStorage.StartupOption.RECOVER)
          .build();
    } catch (IOException | RuntimeException e) {
      throw RatisErrors.startup("[" + config.nodeId() + "] cannot build the Ratis server with data dir "
          + config.dataDir(), e);
    }
    return new RatisDriver(server, gid, true, config, null, config.leaseDuration(), config.requestTimeout());
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
        requestTimeout);
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
        hostLease(server, hostGroupId, requestTimeout), requestTimeout);
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
      reg = ((HighWaterStateMachine) sm).register();
    }
    division = d;
    register = reg;
    events.execute(() -> listener = eventListener);
    reg.setLeadershipHints(this::onHint);
    events.scheduleWithFixedDelay(this::poll, 0, POLL_MILLIS, TimeUnit.MILLISECONDS);
    LOG.info("[{}] Ratis driver started: {} group {}, peers {}, lease {} ms", id,
        hostRegister == null ? "TSO" : "piggyback on host", groupId, peers().keySet(), leaseDuration.toMillis());
  }

  private void startOwnedServer() throws ConsensusException {
    String where = config.localAddress();
    checkPortFree(where);
    try {
      server.start();
    } catch (IOException | RuntimeException e) {
      closeQuietly();
      if (RatisErrors.isBindFailure(e)) {
        throw RatisErrors.startup("[" + id + "] Raft port " + where + " is already in use", e);
      }
      throw RatisErrors.startup("[" + id + "] cannot start the Ratis server on " + where + " with data dir "
          + config.dataDir(), e);
    }
  }

  private void checkPortFree(String where) throws ConsensusException {
    try (ServerSocket s = new ServerSocket()) {
      s.setReuseAddress(true);
      s.bind(new InetSocketAddress(config.localHost(), config.localPort()));
    } catch (IOException e) {
      closeQuietly();
      throw RatisErrors.startup("[" + id + "] Raft port " + where + " is already in use or cannot be bound", e);
    }
  }

  private static void prepareDataDir(String nodeId, Path dir) throws ConsensusException {
    String prefix = "[" + nodeId + "] data dir " + dir.toAbsolutePath();
    if (Files.exists(dir) && !Files.isDirectory(dir)) {
      throw new ConsensusException(Kind.PERMANENT, prefix + " is not a directory");
    }
    try {
      Files.createDirectories(dir);
    } catch (IOException e) {
      throw RatisErrors.startup(prefix + " cannot be created", e);
    }
    if (!Files.isReadable(dir) || !Files.isWritable(dir) || !Files.isExecutable(dir)) {
      throw new ConsensusException(Kind.PERMANENT, prefix + " is not readable and writable");
    }
  }

  @Override
  public CompletableFuture<LoadedMark> loadHighWater(long term) {
    return submit(HighWaterCommand.load(term)).thenApply(r -> new LoadedMark(r.value(),
        Duration.ofNanos(r.largestLeaseNanos()), r.leaseReleased()));
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
    RaftServer.Division d = division;
    if (closed || d == null) {
      return new LeadershipEvent.Unknown(0);
    }
    DivisionInfo info = d.getInfo();
    for (int attempt = 0; attempt < 3; attempt++) {
      long term = info.getCurrentTerm();
      boolean leader = info.isLeader();
      boolean ready = leader && info.isLeaderReady();
      RaftPeerId leaderId = info.getLeaderId();
      if (term != info.getCurrentTerm()) {
        continue;
      }
      if (!info.isAlive()) {
        return new LeadershipEvent.Unknown(term);
      }
      if (leader) {
        return ready ? new LeadershipEvent.Leader(term) : new LeadershipEvent.Unknown(term);
      }
      if (leaderId != null && !leaderId.equals(peerId)) {
        return new LeadershipEvent.Follower(term, Optional.of(leaderId.toString()));
      }
      return new LeadershipEvent.Unknown(term);
    }
    return new LeadershipEvent.Unknown(info.getCurrentTerm());
  }

  /** The id of the leader this node knows of (itself if it leads), if any. */
  public Optional<String> leaderId() {
    RaftServer.Division d = division;
    if (closed || d == null) {
      return Optional.empty();
    }
    RaftPeerId leader = d.getInfo().getLeaderId();
    return leader == null ? Optional.empty() : Optional.of(leader.toString());
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

  /** A hint from a Ratis callback: never blocks, the events thread confirms it against the division's state. */
  private void onHint(LeadershipEvent hint) {
    try {
      events.execute(() -> {
        LeadershipEvent seen = currentLeadership();
        if (hint instanceof LeadershipEvent.Leader && hint.term() != 0 && !hint.equals(seen)) {
          LOG.debug("[{}] leader-ready hint {} superseded by {}", id, hint, seen);
        }
        publish(seen);
      });
    } catch (RejectedExecutionException e) {
      // Closed.
    }
  }

  private void poll() {
    try {
      publish(currentLeadership());
      RaftServer.Division d = division;
      if (ownsServer && d != null && !closed) {
        reconnector.onPoll(server, d, System.nanoTime());
      }
    } catch (RuntimeException e) {
      LOG.warn("[{}] leadership poll failed: {}", id, e.toString());
    }
  }

  private void publish(LeadershipEvent event) {
    if (closed || event.equals(lastPublished)) {
      return;
    }
    lastPublished = event;
    if (event instanceof LeadershipEvent.Leader) {
      LOG.info("[{}] leader ready in term {}", id, event.term());
    } else {
      LOG.debug("[{}] leadership now {}", id, event);
    }
    try {
      listener.accept(event);
    } catch (RuntimeException e) {
      LOG.warn("[{}] leadership listener failed on {}: {}", id, event, e.toString());
    }
  }

  private static TimeDuration millis(Duration d) {
    return TimeDuration.valueOf(d.toMillis(), TimeUnit.MILLISECONDS);
  }
}
