package io.tso4j.server;

import io.tso4j.ratis.RatisDriverConfig;
import java.time.Duration;
import java.util.Objects;
import java.util.UUID;

/**
 * The tuning knobs of a {@link TsoNode} beyond its {@link TsoNode.Config}: the Raft group id, the snapshot threshold,
 * the write timeout and the shutdown handoff grace. Immutable; validated in the constructor. Each knob has one named
 * default here (the Raft ones come from {@link RatisDriverConfig}).
 *
 * @param groupId the Raft group id; every node of a cluster must use the same
 * @param snapshotThreshold Raft log entries between automatic snapshots (at least 1)
 * @param raftRequestTimeout how long one Raft write may take before it fails as TRANSIENT
 * @param handoffGrace how long a graceful {@link TsoNode#close()} tries to hand leadership to a follower
 */
public record NodeTuning(UUID groupId, long snapshotThreshold, Duration raftRequestTimeout, Duration handoffGrace) {
  /** The default group id (the same on every node unless configured). */
  public static final UUID DEFAULT_GROUP_ID = RatisDriverConfig.DEFAULT_GROUP_ID;
  /** Raft log entries between snapshots; keep-alives write ~15 entries a second, so the log stays short. */
  public static final long DEFAULT_SNAPSHOT_THRESHOLD = 10_000;
  /** The default write timeout. */
  public static final Duration DEFAULT_RAFT_REQUEST_TIMEOUT = RatisDriverConfig.DEFAULT_REQUEST_TIMEOUT;
  /** How long {@link TsoNode#close()} tries to hand leadership to a follower by default. */
  public static final Duration DEFAULT_HANDOFF_GRACE = Duration.ofSeconds(1);

  /** Validates every field. */
  public NodeTuning {
    Objects.requireNonNull(groupId, "groupId");
    if (snapshotThreshold < 1) {
      throw new IllegalArgumentException("snapshot threshold must be at least 1, was " + snapshotThreshold);
    }
    if (raftRequestTimeout == null || raftRequestTimeout.isNegative() || raftRequestTimeout.isZero()) {
      throw new IllegalArgumentException("raft request timeout must be > 0, was " + raftRequestTimeout);
    }
    if (handoffGrace == null || handoffGrace.isNegative()) {
      throw new IllegalArgumentException("handoff grace must be >= 0, was " + handoffGrace);
    }
  }

  /** Every knob at its default. */
  public static NodeTuning defaults() {
    return new NodeTuning(DEFAULT_GROUP_ID, DEFAULT_SNAPSHOT_THRESHOLD, DEFAULT_RAFT_REQUEST_TIMEOUT,
        DEFAULT_HANDOFF_GRACE);
  }
}
