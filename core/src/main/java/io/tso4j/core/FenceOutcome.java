package io.tso4j.core;

/** How one fence (from FENCING to its end) ended; counted per kind in {@link OracleStats#fenceOutcomes()}. */
public enum FenceOutcome {
  /** Completed: the node serves the term. */
  SERVED,
  /** The driver answered NOT_LEADER or FENCED: another leader exists; held off, then watched again. */
  STEPPED_DOWN,
  /** TRANSIENT errors used up the retry budget; held off, then watched again. */
  GAVE_UP,
  /** A newer leadership event, a failed leadership check, or a stop ended the fence before it completed. */
  ABORTED,
  /** The loaded mark is at the limit of the timestamp format: there is nothing above it to serve (F12). */
  EXHAUSTED,
  /** A permanent error or a broken invariant poisoned the oracle during the fence. */
  POISONED
}
