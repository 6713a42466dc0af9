package io.tso4j.ratis;

import java.io.IOException;
import java.time.Duration;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.server.RaftServer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Drops this server's connections to its peers while its group has no leader, so that an election can reach a peer
 * that has just restarted.
 *
 * <p>Why: Ratis talks to a peer over a gRPC channel; once a connection to a dead peer fails, the channel waits out
 * gRPC's reconnect backoff (1 s, growing ×1.6) and fails every vote request meanwhile, even after the peer is back.
 * Ratis resets that backoff for log replication but not for votes. Measured with {@code tso4j stress --faults
 * leader_kill}: a follower whose other peer had restarted 0.3 s earlier could not win a pre-vote for 2–3 s. Resetting
 * the proxy (Ratis's public {@code RaftServerRpc.handleException(peer, e, true)}) makes the next request open a fresh
 * connection. Only liveness is affected: no Raft state and no tso4j state changes here.
 *
 * <p>Called from one thread (the driver's poll); not thread-safe.
 */
final class PeerReconnector {
  private static final Logger LOG = LoggerFactory.getLogger(PeerReconnector.class);

  private final String id;
  private final RaftPeerId self;
  private final long afterNanos;
  private final long everyNanos;
  private long leaderlessSince = -1;
  private long lastReset;
  private long resets;

  /**
   * Resets once the group has had no leader for {@code after}, then at most once every {@code every} while it still
   * has none.
   */
  PeerReconnector(String id, RaftPeerId self, Duration after, Duration every) {
    this.id = id;
    this.self = self;
    this.afterNanos = after.toNanos();
    this.everyNanos = every.toNanos();
  }

  /** Looks at the division at {@code nowNanos} and resets the peer connections if it has been leaderless too long. */
  void onPoll(RaftServer server, RaftServer.Division division, long nowNanos) {
    if (division.getInfo().isLeader() || division.getInfo().getLeaderId() != null) {
      leaderlessSince = -1;
      return;
    }
    if (leaderlessSince < 0) {
      leaderlessSince = nowNanos;
      return;
    }
    if (nowNanos - leaderlessSince < afterNanos || (resets > 0 && nowNanos - lastReset < everyNanos)) {
      return;
    }
    lastReset = nowNanos;
    resets++;
    for (RaftPeer p : division.getGroup().getPeers()) {
      if (!p.getId().equals(self)) {
        server.getServerRpc().handleException(p.getId(),
            new IOException("tso4j: no leader for " + (nowNanos - leaderlessSince) / 1_000_000 + " ms"), true);
      }
    }
    LOG.debug("[{}] no leader for {} ms: reset the connections to the other peers", id,
        (nowNanos - leaderlessSince) / 1_000_000);
  }

  /** How many times the connections were reset. */
  long resets() {
    return resets;
  }
}
