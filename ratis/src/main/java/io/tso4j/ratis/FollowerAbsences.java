package io.tso4j.ratis;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.ratis.proto.RaftProtos.RoleInfoProto;
import org.apache.ratis.proto.RaftProtos.ServerRpcProto;

/**
 * Which followers this node, while it led, saw absent recently — silent for at least the Raft maximum election
 * timeout, as during a restart. Such a follower makes a poor target for a graceful handoff for {@link #SETTLE}
 * afterwards: its JVM is cold (a first leadership there took seconds to get ready in rolling restarts on a 2-core
 * machine) and the other nodes' connections to it may still be in gRPC's reconnect backoff, so the transfer times out
 * or the term it starts loses its majority. {@link LeadershipTransfer} tries such followers last.
 *
 * <p>Only liveness is affected. Thread-safe: fed from the leadership poll, read by the transfer.
 */
final class FollowerAbsences {
  /** How long after its absence a follower is tried last: 10 s. */
  static final Duration SETTLE = Duration.ofSeconds(10);

  private final long silentNanos;
  private final Map<String, Long> lastAbsentNanos = new ConcurrentHashMap<>();

  /** Absences are silences of at least {@code silent} (the Raft maximum election timeout). */
  FollowerAbsences(Duration silent) {
    this.silentNanos = silent.toNanos();
  }

  /** Notes, at {@code nowNanos}, the followers a leader's {@code role} reports silent for too long. */
  void onPoll(RoleInfoProto role, long nowNanos) {
    if (!role.hasLeaderInfo()) {
      return;
    }
    for (ServerRpcProto f : role.getLeaderInfo().getFollowerInfoList()) {
      if (Duration.ofMillis(f.getLastRpcElapsedTimeMs()).toNanos() >= silentNanos) {
        lastAbsentNanos.put(f.getId().getId().toStringUtf8(), nowNanos);
      }
    }
  }

  /** Whether {@code follower} was absent less than {@link #SETTLE} before {@code nowNanos}. */
  boolean recentlyAbsent(String follower, long nowNanos) {
    Long at = lastAbsentNanos.get(follower);
    return at != null && nowNanos - at < SETTLE.toNanos();
  }
}
