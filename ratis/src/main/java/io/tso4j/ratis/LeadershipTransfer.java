package io.tso4j.ratis;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.apache.ratis.proto.RaftProtos.RoleInfoProto;
import org.apache.ratis.proto.RaftProtos.ServerRpcProto;
import org.apache.ratis.protocol.ClientId;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.protocol.TransferLeadershipRequest;
import org.apache.ratis.server.RaftServer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Hands Raft leadership of one group from the local server to a healthy follower (graceful shutdown), through the
 * server's admin API ({@link TransferLeadershipRequest} on the local {@link RaftServer}, no network hop).
 *
 * <p>Followers are tried in order of how recently they answered the leader; a follower that does not take over within
 * its share of the timeout is skipped. Ratis waits until the target's log is caught up, then tells it to start an
 * election at once, <b>without pre-vote</b>: the caller must have stopped serving before calling this (see
 * docs/correctness.md H1). Stateless.
 */
final class LeadershipTransfer {
  private static final Logger LOG = LoggerFactory.getLogger(LeadershipTransfer.class);

  private LeadershipTransfer() {
  }

  /**
   * Transfers leadership of {@code groupId} away from the local server within {@code timeout}; returns the id of the
   * new leader, or empty if the local server does not lead or no follower took over in time.
   */
  static Optional<String> transfer(RaftServer server, RaftGroupId groupId, Duration timeout) {
    String id = server.getId().toString();
    RaftServer.Division d;
    try {
      d = server.getDivision(groupId);
    } catch (Exception e) {
      LOG.debug("[{}] no division for {}: {}", id, groupId, e.toString());
      return Optional.empty();
    }
    if (!d.getInfo().isLeader()) {
      return Optional.empty();
    }
    List<RaftPeerId> targets = followersByRecency(d.getInfo().getRoleInfoProto());
    if (targets.isEmpty()) {
      return Optional.empty();
    }
    long deadline = System.nanoTime() + timeout.toNanos();
    ClientId client = ClientId.randomId();
    long callId = 1;
    for (RaftPeerId target : targets) {
      long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
      if (left <= 0) {
        break;
      }
      long share = Math.max(100, left / 2);
      try {
        RaftClientReply reply = server.transferLeadership(new TransferLeadershipRequest(client, server.getId(),
            groupId, callId++, target, share));
        if (reply.isSuccess()) {
          LOG.info("[{}] handed leadership to {}", id, target);
          return Optional.of(target.toString());
        }
        LOG.info("[{}] leadership transfer to {} failed: {}", id, target,
            reply.getException() == null ? "no reason" : reply.getException().getMessage());
      } catch (Exception e) {
        LOG.info("[{}] leadership transfer to {} failed: {}", id, target, e.toString());
      }
      if (!d.getInfo().isLeader()) {
        RaftPeerId now = d.getInfo().getLeaderId();
        return Optional.ofNullable(now).map(RaftPeerId::toString);
      }
    }
    return Optional.empty();
  }

  private static List<RaftPeerId> followersByRecency(RoleInfoProto role) {
    if (!role.hasLeaderInfo()) {
      return List.of();
    }
    List<ServerRpcProto> followers = new ArrayList<>(role.getLeaderInfo().getFollowerInfoList());
    followers.sort(Comparator.comparingLong(ServerRpcProto::getLastRpcElapsedTimeMs));
    List<RaftPeerId> out = new ArrayList<>();
    for (ServerRpcProto f : followers) {
      out.add(RaftPeerId.valueOf(f.getId().getId()));
    }
    return out;
  }
}
