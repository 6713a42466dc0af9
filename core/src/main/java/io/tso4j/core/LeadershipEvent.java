package io.tso4j.core;

import java.util.Optional;

/**
 * What a {@link ConsensusDriver} reports about this node's leadership.
 *
 * <p>{@link Leader} is reported only once the node may write in that term with all earlier entries applied (Ratis:
 * leader-ready), never merely because an election was won.
 */
public sealed interface LeadershipEvent {
  /** The term the event belongs to (0 if unknown). */
  long term();

  /** This node leads in {@code term} and its state machine has applied every earlier entry. */
  record Leader(long term) implements LeadershipEvent {
  }

  /** Another node leads (or is being elected); {@code leaderId} is the best hint, if any. */
  record Follower(long term, Optional<String> leaderId) implements LeadershipEvent {
    /** A follower event; leaderId may be empty. */
    public Follower {
      leaderId = leaderId == null ? Optional.empty() : leaderId;
    }
  }

  /** Leadership is not known (starting, no quorum, closed). */
  record Unknown(long term) implements LeadershipEvent {
  }
}
