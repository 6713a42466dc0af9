package io.tso4j.core;

import java.util.Set;

/**
 * One reading of a peer's monotonic clock, as a driver's clock probe took it (docs/correctness.md C6): this node read
 * its own monotonic clock at {@code sentNanos}, asked {@code peer} for its monotonic clock, got {@code peerNanos}, and
 * read its own clock again at {@code receivedNanos}. The peer read its clock somewhere in between, so the round trip
 * bounds the error of the reading.
 *
 * @param peer the peer's id
 * @param peerIncarnation an id of the peer's process (its monotonic clock has an arbitrary origin per process, so a
 *     restarted peer starts a new series)
 * @param sentNanos this node's monotonic clock when the probe was sent
 * @param peerNanos the peer's monotonic clock in its reply
 * @param receivedNanos this node's monotonic clock when the reply arrived
 * @param otherVoters the voting members of the group other than this node, when the probe was sent
 */
public record PeerClockSample(String peer, long peerIncarnation, long sentNanos, long peerNanos, long receivedNanos,
    Set<String> otherVoters) {
  /** Copies the voter set. */
  public PeerClockSample {
    otherVoters = Set.copyOf(otherVoters);
  }

  /** The round trip of the probe on this node's clock. */
  public long roundTripNanos() {
    return receivedNanos - sentNanos;
  }
}
