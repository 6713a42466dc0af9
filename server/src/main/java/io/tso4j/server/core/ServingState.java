package io.tso4j.server.core;

import java.util.Optional;

/**
 * What the oracle on this node is doing, as published by the leader watch: one immutable snapshot.
 *
 * @param status the lifecycle status
 * @param term the term this status belongs to (the serving term when SERVING; 0 if unknown)
 * @param leaderId the best known leader id (this node's id when it leads), if any
 */
public record ServingState(Status status, long term, Optional<String> leaderId) {
  /** The lifecycle of the serving side. Legal moves are listed in {@link #canMoveTo(Status)}. */
  public enum Status {
    /** Not serving: follower, unknown leadership, or a fence that gave up until the next event. */
    NOT_SERVING,
    /** Leader of {@link ServingState#term()}, running the fence; not serving yet. */
    FENCING,
    /** Serving timestamps in {@link ServingState#term()}. */
    SERVING,
    /** A fatal error: never serves again. */
    POISONED,
    /** Shut down. */
    STOPPED;

    /** Whether a move from this status to {@code next} is legal. */
    public boolean canMoveTo(Status next) {
      switch (this) {
        case NOT_SERVING:
        case FENCING:
        case SERVING:
          return true;
        case POISONED:
          return next == STOPPED || next == POISONED;
        case STOPPED:
          return next == STOPPED;
        default:
          throw new AssertionError(this);
      }
    }
  }

  /** The state before the driver reported anything. */
  public static ServingState initial() {
    return new ServingState(Status.NOT_SERVING, 0, Optional.empty());
  }

  /** A state record; leaderId may be null for none. */
  public ServingState {
    leaderId = leaderId == null ? Optional.empty() : leaderId;
  }

  /** Whether this state serves timestamps. */
  public boolean serving() {
    return status == Status.SERVING;
  }
}
