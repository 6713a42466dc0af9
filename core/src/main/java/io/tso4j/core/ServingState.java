package io.tso4j.core;

import java.util.Optional;

/**
 * What the oracle on this node is doing, as published by the leader watch: one immutable snapshot.
 *
 * @param status the lifecycle status
 * @param term the term this status belongs to (the serving term when SERVING; 0 if unknown)
 * @param leaderId the best known leader id (this node's id when it leads), if any
 */
public record ServingState(Status status, long term, Optional<String> leaderId) {
  /**
   * The lifecycle of the serving side. The legal moves are explicit in {@link #canMoveTo(Status)}:
   *
   * <pre>
   *   NOT_SERVING → NOT_SERVING, FENCING, POISONED, STOPPED
   *   FENCING     → NOT_SERVING, FENCING, SERVING, POISONED, STOPPED
   *   SERVING     → NOT_SERVING, FENCING, SERVING, FROZEN, POISONED, STOPPED
   *   FROZEN      → NOT_SERVING, FENCING, SERVING, FROZEN, POISONED, STOPPED
   *   POISONED    → POISONED, STOPPED
   *   STOPPED     → STOPPED
   * </pre>
   *
   * <p>SERVING is reached only from FENCING (a completed fence) or from FROZEN/SERVING of the same term (a lease
   * renewal); FROZEN only from SERVING or FROZEN. The term rules (SERVING keeps the term of the fence or freeze it
   * follows) are the leader watch's to keep; see docs/correctness.md F2.
   */
  public enum Status {
    /** Not serving: follower, unknown leadership, or a fence that gave up until the next event. */
    NOT_SERVING,
    /** Leader of {@link ServingState#term()}, running the fence; not serving yet. */
    FENCING,
    /** Serving timestamps in {@link ServingState#term()}. */
    SERVING,
    /**
     * Was serving {@link ServingState#term()}, but the lease lapsed because renewals did not commit in time
     * (partition, slow disk, no quorum): refuses with a retryable status until a renewal commits (back to SERVING)
     * or the node steps down.
     */
    FROZEN,
    /** A fatal error: never serves again. */
    POISONED,
    /** Shut down. */
    STOPPED;

    /** Whether a move from this status to {@code next} is legal. */
    public boolean canMoveTo(Status next) {
      switch (this) {
        case NOT_SERVING:
          return next != SERVING && next != FROZEN;
        case FENCING:
          return next != FROZEN;
        case SERVING:
        case FROZEN:
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

  /** Whether this state is FROZEN (leader of its term, lease lapsed, refusing until renewed). */
  public boolean frozen() {
    return status == Status.FROZEN;
  }

  /** Whether this state serves timestamps. */
  public boolean serving() {
    return status == Status.SERVING;
  }
}
