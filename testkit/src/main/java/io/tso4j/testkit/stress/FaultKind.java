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
  /** Kernel partition (nftables): the leader or a follower cut off from both others, both directions. */
  NET_PARTITION,
  /** Kernel one-way loss (nftables): packets A→B dropped, B→A delivered (the leader's outbound, or one link). */
  NET_ONEWAY,
  /** Kernel bridge (nftables): A–B and B–C connected, A–C cut both ways (two overlapping majorities). */
  NET_BRIDGE,
  /** Kernel flapping link (nftables): a node cut off and reconnected every 0.2–0.7 s for a few seconds. */
  NET_FLAP,
  /** A real clock fault through libfaketime, one of {@link ClockCase}: wall steps, a jump mid-run, clock rates. */
  CLOCK_FAKETIME,
  /** The leader's data directory (a tmpfs of the run's own) filled until ENOSPC, then freed. */
  DISK_FULL,
  /** SIGTERM (graceful handoff) and restart of a node (the rolling-restart scenario). */
  GRACEFUL_RESTART;

  /** The name on the command line ({@code net_partition}). */
  public String cliName() {
    return name().toLowerCase(java.util.Locale.ROOT);
  }

  /** Whether this kind needs kernel partitions (nftables). */
  public boolean needsKernelNet() {
    return this == NET_PARTITION || this == NET_ONEWAY || this == NET_BRIDGE || this == NET_FLAP;
  }

  /** Whether this kind needs libfaketime. */
  public boolean needsFakeClock() {
    return this == CLOCK_SKEW || this == CLOCK_JUMP || this == CLOCK_FAKETIME;
  }
}
