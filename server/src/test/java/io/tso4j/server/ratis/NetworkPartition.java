package io.tso4j.server.ratis;

/**
 * Test-only network partition for in-process Ratis servers: while a peer id is isolated, every Raft request it sends
 * and receives stalls in the receiving server, like a black-holed link; healing releases them.
 *
 * <p>A thin test facade over {@link RaftFaultInjection} (the same hooks the {@code tso4j stress} nemesis drives
 * through a node's fault-control file). Only ids passed to {@link #isolate} are affected, so clusters with distinct
 * peer ids do not interfere; {@link RatisTestCluster} uses ids unique per cluster and heals them on close.
 */
final class NetworkPartition {
  private NetworkPartition() {
  }

  /** Cuts {@code peerId} off from every other peer. */
  static void isolate(String peerId) {
    RaftFaultInjection.isolate(peerId);
  }

  /** Reconnects {@code peerId}. */
  static void heal(String peerId) {
    RaftFaultInjection.heal(peerId);
  }

  /** Whether {@code peerId} is cut off. */
  static boolean isIsolated(String peerId) {
    return RaftFaultInjection.isIsolated(peerId);
  }
}
