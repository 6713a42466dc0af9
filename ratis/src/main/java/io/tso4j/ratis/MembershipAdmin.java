package io.tso4j.ratis;

import io.tso4j.ratis.MembershipException.Reason;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.ratis.proto.RaftProtos.RaftPeerRole;
import org.apache.ratis.proto.RaftProtos.RoleInfoProto;
import org.apache.ratis.protocol.ClientId;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.protocol.SetConfigurationRequest;
import org.apache.ratis.protocol.TransferLeadershipRequest;
import org.apache.ratis.protocol.exceptions.LeaderNotReadyException;
import org.apache.ratis.protocol.exceptions.NotLeaderException;
import org.apache.ratis.protocol.exceptions.ReconfigurationInProgressException;
import org.apache.ratis.server.RaftConfiguration;
import org.apache.ratis.server.RaftServer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Membership of the TSO group through the local Ratis server's admin API (no network hop): the committed
 * configuration, the leader's view of each follower's progress, and the changes an operator asks for.
 *
 * <p>Adding a member is one configuration change: Ratis first stages the new peer (sends it the log until it has
 * caught up; meanwhile it does not vote and does not count for commits), then commits the configuration that makes it
 * a voter. (A learner of the same id, a Ratis listener, is promoted once its log has caught up.) Changes are
 compare-and-set against the configuration just read, so concurrent changes never overwrite each other; a change
 * that finds another one in progress is retried until the timeout. Adding an id that is already a voter at the same
 * Raft address does nothing (idempotent); removing an id that is not a member does nothing. Removing the last voter
 * is refused. Removing the leader itself is refused with NOT_LEADER after this node hands leadership to another voter
 * (the caller retries on the new leader, which then removes it).
 *
 * <p>The client endpoint of each member is stored in its Raft peer record ({@code clientAddress}), so every node
 * learns it from the log; a configuration written before that (or by {@code --peers} without client ports) falls
 * back to the endpoints this node was started with. Thread-safe.
 */
public final class MembershipAdmin {
  private static final Logger LOG = LoggerFactory.getLogger(MembershipAdmin.class);
  /** The pause between attempts while another change is in progress or a learner catches up. */
  static final Duration RETRY_PAUSE = Duration.ofMillis(100);

  private final String id;
  private final RaftServer server;
  private final RaftGroupId groupId;
  private final Map<String, String> fallbackEndpoints;
  private final ClientId clientId = ClientId.randomId();
  private final AtomicLong callIds = new AtomicLong();
  private volatile ClusterConfiguration lastCommitted;

  MembershipAdmin(RaftServer server, RaftGroupId groupId, Map<String, String> fallbackEndpoints) {
    this.server = server;
    this.id = server.getId().toString();
    this.groupId = groupId;
    this.fallbackEndpoints = Map.copyOf(fallbackEndpoints);
  }

  /**
   * The newest configuration this node knows to be committed (the one it started with until then). A configuration
   * entry that is still being replicated is not shown, so callers never route to a member that may not exist.
   */
  public ClusterConfiguration committed() {
    RaftServer.Division d = divisionOrNull();
    ClusterConfiguration last = lastCommitted;
    if (d == null) {
      return last == null ? new ClusterConfiguration(-1, List.of()) : last;
    }
    RaftConfiguration conf = d.getRaftConf();
    long index = conf.getLogEntryIndex();
    if (last != null && last.logIndex() == index) {
      return last;
    }
    if (last == null || index <= d.getRaftLog().getLastCommittedIndex()) {
      ClusterConfiguration now = toConfiguration(conf);
      lastCommitted = now;
      return now;
    }
    return last;
  }

  private ClusterConfiguration toConfiguration(RaftConfiguration conf) {
    List<ClusterMember> members = new ArrayList<>();
    for (RaftPeer p : conf.getCurrentPeers(RaftPeerRole.FOLLOWER)) {
      members.add(toMember(p, true));
    }
    for (RaftPeer p : conf.getCurrentPeers(RaftPeerRole.LISTENER)) {
      members.add(toMember(p, false));
    }
    return new ClusterConfiguration(conf.getLogEntryIndex(), members);
  }

  private ClusterMember toMember(RaftPeer p, boolean voter) {
    String pid = p.getId().toString();
    String client = p.getClientAddress();
    if (client == null || client.isBlank() || client.equals(p.getAddress())) {
      client = fallbackEndpoints.getOrDefault(pid, "");
    }
    return new ClusterMember(pid, p.getAddress(), client, voter);
  }

  /** The leader this node knows of (itself if it leads). */
  public Optional<String> leaderId() {
    RaftServer.Division d = divisionOrNull();
    if (d == null) {
      return Optional.empty();
    }
    if (d.getInfo().isLeader()) {
      return Optional.of(id);
    }
    return Optional.ofNullable(d.getInfo().getLeaderId()).map(RaftPeerId::toString);
  }

  /** The current Raft term of this node (0 if unknown). */
  public long term() {
    RaftServer.Division d = divisionOrNull();
    return d == null ? 0 : d.getInfo().getCurrentTerm();
  }

  /** The index of the last log entry this node applied (-1 if none). */
  public long lastAppliedIndex() {
    RaftServer.Division d = divisionOrNull();
    return d == null ? -1 : d.getInfo().getLastAppliedIndex();
  }

  /** Whether this node is a learner (a Ratis listener) now. */
  public boolean isLearner() {
    RaftServer.Division d = divisionOrNull();
    return d != null && d.getInfo().isListener();
  }

  /**
   * How far each other member's log is behind the leader's commit index, in entries; empty unless this node leads
   * (only the leader knows).
   */
  public Map<String, Long> lagByMember() {
    RaftServer.Division d = divisionOrNull();
    if (d == null || !d.getInfo().isLeader()) {
      return Map.of();
    }
    long commit = d.getRaftLog().getLastCommittedIndex();
    Map<String, Long> out = new LinkedHashMap<>();
    matchIndices(d).forEach((pid, match) -> out.put(pid, Math.max(0, commit - match)));
    return out;
  }

  private static Map<String, Long> matchIndices(RaftServer.Division d) {
    RoleInfoProto role = d.getInfo().getRoleInfoProto();
    long[] match = d.getInfo().getFollowerMatchIndices();
    Map<String, Long> out = new LinkedHashMap<>();
    if (match == null || !role.hasLeaderInfo() || role.getLeaderInfo().getFollowerInfoCount() != match.length) {
      return out; // the appenders changed between the two reads: report nothing rather than a wrong pairing
    }
    for (int i = 0; i < match.length; i++) {
      out.put(role.getLeaderInfo().getFollowerInfo(i).getId().getId().toStringUtf8(), match[i]);
    }
    return out;
  }

  /**
   * Adds {@code memberId} at {@code raftAddress} (with its client endpoint, may be empty) as a voter, once Ratis has
   * caught its log up. Idempotent on the id.
   *
   * @throws MembershipException NOT_LEADER on a follower; INVALID if the id or the Raft address belongs to another
   *     member; TIMEOUT if it did not complete within {@code timeout}; FAILED if Ratis refused it
   */
  public void addMember(String memberId, String raftAddress, String clientEndpoint, Duration timeout)
      throws MembershipException {
    long deadline = System.nanoTime() + timeout.toNanos();
    RaftPeer newPeer = RaftPeer.newBuilder().setId(memberId).setAddress(raftAddress)
        .setClientAddress(clientEndpoint == null || clientEndpoint.isBlank() ? null : clientEndpoint)
        .setStartupRole(RaftPeerRole.FOLLOWER).build();
    // Step 1: the voter. Ratis stages a new voter (bootstraps its log until it has caught up) before it proposes the
    // configuration that counts it, so it never votes or counts for commits behind. (Not as a listener first: in Ratis
    // 3.3.0 a listener promoted to voter stays in its STARTING state, refusing votes, until the leader changes.)
    change("add " + memberId, deadline, conf -> {
      RaftPeer existing = findPeer(conf, memberId);
      if (existing != null) {
        if (!existing.getAddress().equals(raftAddress)) {
          throw new MembershipException(Reason.INVALID, "member " + memberId + " already exists at "
              + existing.getAddress() + ", not " + raftAddress + "; remove it first", null);
        }
        return null; // already a learner or a voter
      }
      for (RaftPeer p : allPeers(conf)) {
        if (p.getAddress().equals(raftAddress)) {
          throw new MembershipException(Reason.INVALID, "Raft address " + raftAddress + " belongs to member "
              + p.getId() + "; remove it first", null);
        }
      }
      List<RaftPeer> voters = new ArrayList<>(conf.getCurrentPeers(RaftPeerRole.FOLLOWER));
      voters.add(newPeer);
      return arguments(conf, voters, new ArrayList<>(conf.getCurrentPeers(RaftPeerRole.LISTENER)));
    });
    // A learner of the same id (added by hand as a Ratis listener): wait until its log reached the entry that made it
    // one, then promote it.
    awaitCaughtUp(memberId, deadline);
    change("promote " + memberId + " to a voter", deadline, conf -> {
      RaftPeer learner = conf.getPeer(RaftPeerId.valueOf(memberId), RaftPeerRole.LISTENER);
      if (learner == null) {
        return null; // already a voter (or removed meanwhile: then nothing to promote)
      }
      List<RaftPeer> voters = new ArrayList<>(conf.getCurrentPeers(RaftPeerRole.FOLLOWER));
      voters.add(RaftPeer.newBuilder(learner).setStartupRole(RaftPeerRole.FOLLOWER).build());
      List<RaftPeer> listeners = new ArrayList<>(conf.getCurrentPeers(RaftPeerRole.LISTENER));
      listeners.removeIf(p -> p.getId().toString().equals(memberId));
      return arguments(conf, voters, listeners);
    });
    LOG.debug("[{}] {} is a voter at {}", id, memberId, raftAddress);
  }

  /**
   * Removes {@code memberId} (voter or learner). Removing an id that is not a member does nothing.
   *
   * @throws MembershipException INVALID for the last voter; NOT_LEADER on a follower, or after this leader handed
   *     leadership away because it was asked to remove itself (retry on the new leader); TIMEOUT; FAILED
   */
  public void removeMember(String memberId, Duration timeout) throws MembershipException {
    long deadline = System.nanoTime() + timeout.toNanos();
    RaftServer.Division d = leaderDivision();
    RaftConfiguration current = d.getRaftConf();
    RaftPeer target = findPeer(current, memberId);
    if (target == null) {
      return;
    }
    boolean voter = current.getPeer(target.getId(), RaftPeerRole.FOLLOWER) != null;
    if (voter && current.getCurrentPeers(RaftPeerRole.FOLLOWER).size() <= 1) {
      throw new MembershipException(Reason.INVALID, "refusing to remove " + memberId
          + ": it is the last voter of the group", null);
    }
    if (memberId.equals(id)) {
      String to = handOff(d, deadline);
      throw new MembershipException(Reason.NOT_LEADER, id + " handed leadership to " + to
          + " before removing itself; retry on the new leader", to);
    }
    change("remove " + memberId, deadline, conf -> {
      if (findPeer(conf, memberId) == null) {
        return null;
      }
      List<RaftPeer> voters = new ArrayList<>(conf.getCurrentPeers(RaftPeerRole.FOLLOWER));
      List<RaftPeer> listeners = new ArrayList<>(conf.getCurrentPeers(RaftPeerRole.LISTENER));
      voters.removeIf(p -> p.getId().toString().equals(memberId));
      listeners.removeIf(p -> p.getId().toString().equals(memberId));
      if (voters.isEmpty()) {
        throw new MembershipException(Reason.INVALID, "refusing to remove " + memberId
            + ": it is the last voter of the group", null);
      }
      return arguments(conf, voters, listeners);
    });
    LOG.debug("[{}] {} is not a member", id, memberId);
  }

  /**
   * Hands leadership to the voter {@code to}; returns when it leads.
   *
   * @throws MembershipException NOT_LEADER on a follower; INVALID if {@code to} is not a voter; TIMEOUT or FAILED
   */
  public void transferLeader(String to, Duration timeout) throws MembershipException {
    RaftServer.Division d = leaderDivision();
    if (to.equals(id)) {
      return;
    }
    if (d.getRaftConf().getPeer(RaftPeerId.valueOf(to), RaftPeerRole.FOLLOWER) == null) {
      throw new MembershipException(Reason.INVALID, to + " is not a voting member of the group", null);
    }
    transfer(RaftPeerId.valueOf(to), timeout);
  }

  /**
   * Ends this node's term as leader: hands leadership to the most recent follower, or, in a one-voter group, steps
   * down so that a new term starts (this node is then elected again). Every new term fences (docs/correctness.md F1).
   *
   * @throws MembershipException NOT_LEADER on a follower; TIMEOUT or FAILED
   */
  public void startNewTerm(Duration timeout) throws MembershipException {
    RaftServer.Division d = leaderDivision();
    long term = d.getInfo().getCurrentTerm();
    long deadline = System.nanoTime() + timeout.toNanos();
    if (d.getRaftConf().getCurrentPeers(RaftPeerRole.FOLLOWER).size() > 1) {
      handOff(d, deadline);
    } else {
      transfer(null, timeout);
    }
    while (d.getInfo().getCurrentTerm() <= term) {
      pauseUntil(deadline, "a new term after " + term);
    }
  }

  private String handOff(RaftServer.Division d, long deadline) throws MembershipException {
    Optional<String> to = LeadershipTransfer.transfer(server, groupId, remaining(deadline));
    if (to.isEmpty() || to.get().equals(id)) {
      throw new MembershipException(Reason.TIMEOUT, id + " could not hand leadership to another voter in time",
          null);
    }
    return to.get();
  }

  private void transfer(RaftPeerId to, Duration timeout) throws MembershipException {
    TransferLeadershipRequest request = new TransferLeadershipRequest(clientId, server.getId(), groupId,
        callIds.incrementAndGet(), to, Math.max(1, timeout.toMillis()));
    RaftClientReply reply;
    try {
      reply = await(server.transferLeadershipAsync(request), System.nanoTime() + timeout.toNanos() * 2);
    } catch (IOException e) {
      throw new MembershipException(Reason.FAILED, "leadership transfer failed: " + RatisErrors.describe(e), null);
    }
    if (!reply.isSuccess()) {
      throw refusal("leadership transfer to " + (to == null ? "anyone" : to), reply);
    }
  }

  /** Plans one configuration change from the current configuration; null = nothing to change. */
  private interface Plan {
    SetConfigurationRequest.Arguments next(RaftConfiguration conf) throws MembershipException;
  }

  private void change(String what, long deadline, Plan plan) throws MembershipException {
    while (true) {
      RaftServer.Division d = leaderDivision();
      SetConfigurationRequest.Arguments args = plan.next(d.getRaftConf());
      if (args == null) {
        return;
      }
      RaftClientReply reply;
      try {
        reply = await(server.setConfigurationAsync(new SetConfigurationRequest(clientId, server.getId(), groupId,
            callIds.incrementAndGet(), args)), deadline);
      } catch (IOException e) {
        if (retryable(e)) {
          pauseUntil(deadline, what);
          continue;
        }
        throw new MembershipException(Reason.FAILED, what + " failed: " + RatisErrors.describe(e), null);
      }
      if (reply.isSuccess()) {
        return;
      }
      if (reply.getException() != null && retryable(reply.getException())) {
        pauseUntil(deadline, what);
        continue;
      }
      throw refusal(what, reply);
    }
  }

  private static boolean retryable(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof ReconfigurationInProgressException || t instanceof LeaderNotReadyException) {
        return true;
      }
    }
    return false;
  }

  private MembershipException refusal(String what, RaftClientReply reply) {
    NotLeaderException nle = reply.getNotLeaderException();
    if (nle != null) {
      return notLeader(nle.getSuggestedLeader() == null ? null : nle.getSuggestedLeader().getId().toString());
    }
    return new MembershipException(Reason.FAILED, what + " failed: "
        + (reply.getException() == null ? "no reason given" : reply.getException().getMessage()), null);
  }

  private RaftClientReply await(CompletableFuture<RaftClientReply> reply, long deadline)
      throws MembershipException, IOException {
    try {
      return reply.get(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
    } catch (TimeoutException e) {
      throw new MembershipException(Reason.TIMEOUT, "no answer from Ratis in time", null);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new MembershipException(Reason.FAILED, "interrupted", null);
    } catch (ExecutionException e) {
      Throwable c = e.getCause();
      throw c instanceof IOException ? (IOException) c : new IOException(c);
    }
  }

  private void awaitCaughtUp(String memberId, long deadline) throws MembershipException {
    while (true) {
      RaftServer.Division d = leaderDivision();
      RaftConfiguration conf = d.getRaftConf();
      if (conf.getPeer(RaftPeerId.valueOf(memberId), RaftPeerRole.LISTENER) == null) {
        return; // a voter already (or gone): nothing to wait for
      }
      Long match = matchIndices(d).get(memberId);
      if (match != null && match >= conf.getLogEntryIndex()) {
        return;
      }
      pauseUntil(deadline, "learner " + memberId + " to catch up");
    }
  }

  private void pauseUntil(long deadline, String what) throws MembershipException {
    if (System.nanoTime() + RETRY_PAUSE.toNanos() > deadline) {
      throw new MembershipException(Reason.TIMEOUT, "timed out waiting for " + what, null);
    }
    try {
      Thread.sleep(RETRY_PAUSE.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new MembershipException(Reason.FAILED, "interrupted while waiting for " + what, null);
    }
  }

  private static Duration remaining(long deadline) {
    return Duration.ofNanos(Math.max(TimeUnit.MILLISECONDS.toNanos(100), deadline - System.nanoTime()));
  }

  private static SetConfigurationRequest.Arguments arguments(RaftConfiguration conf, List<RaftPeer> voters,
      List<RaftPeer> listeners) {
    return SetConfigurationRequest.Arguments.newBuilder()
        .setMode(SetConfigurationRequest.Mode.COMPARE_AND_SET)
        .setServersInCurrentConf(new ArrayList<>(conf.getCurrentPeers(RaftPeerRole.FOLLOWER)))
        .setListenersInCurrentConf(new ArrayList<>(conf.getCurrentPeers(RaftPeerRole.LISTENER)))
        .setServersInNewConf(voters)
        .setListenersInNewConf(listeners)
        .build();
  }

  private static RaftPeer findPeer(RaftConfiguration conf, String memberId) {
    return conf.getPeer(RaftPeerId.valueOf(memberId), RaftPeerRole.FOLLOWER, RaftPeerRole.LISTENER);
  }

  private static Collection<RaftPeer> allPeers(RaftConfiguration conf) {
    List<RaftPeer> all = new ArrayList<>(conf.getCurrentPeers(RaftPeerRole.FOLLOWER));
    all.addAll(conf.getCurrentPeers(RaftPeerRole.LISTENER));
    return all;
  }

  private RaftServer.Division leaderDivision() throws MembershipException {
    RaftServer.Division d = divisionOrNull();
    if (d == null) {
      throw new MembershipException(Reason.FAILED, id + " does not host the TSO group (yet)", null);
    }
    if (!d.getInfo().isLeader()) {
      RaftPeerId leader = d.getInfo().getLeaderId();
      throw notLeader(leader == null ? null : leader.toString());
    }
    return d;
  }

  private MembershipException notLeader(String leader) {
    return new MembershipException(Reason.NOT_LEADER, id + " is not the leader"
        + (leader == null ? " and knows no leader" : "; the leader is " + leader), leader);
  }

  private RaftServer.Division divisionOrNull() {
    try {
      return server.getDivision(groupId);
    } catch (IOException | RuntimeException e) {
      return null;
    }
  }
}
