package io.tso4j.testkit.stress;

/** The faults the nemesis injects (and the rolling restart, which is its own scenario). */
public enum FaultKind {
  /** kill -9 of the serving leader, restart after a pause. */
  LEADER_KILL,
  /** kill -9 of a follower, restart after a pause. */
  FOLLOWER_KILL,
  /** SIGSTOP / SIGCONT of the leader (a long GC pause or a stalled VM). */
  LEADER_PAUSE,
  /** SIGSTOP / SIGCONT of a follower. */
  FOLLOWER_PAUSE,
  /** The leader cut off from both followers (clients still reach it). */
  PARTITION_LEADER,
  /** A follower cut off from the others. */
  PARTITION_FOLLOWER,
  /** The leader cut off, then a follower kill -9 and restarted at once (it forgets that it heard from a leader and votes at once). */
  PARTITION_LEADER_RESTART_FOLLOWER,
  /** One node's wall clock shifted by up to ±2 s for a while. */
  CLOCK_SKEW,
  /** The leader's wall clock jumps ±5 s, then back. */
  CLOCK_JUMP,
  /** Every log write of the leader delayed by 30–250 ms for a while. */
  SLOW_DISK,
  /** SIGTERM (graceful handoff) and restart of a node (the rolling-restart scenario). */
  GRACEFUL_RESTART
}
