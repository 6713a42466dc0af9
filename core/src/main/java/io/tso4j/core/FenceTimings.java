package io.tso4j.core;

import java.time.Duration;

/**
 * The phases of one completed fence, for the log line and for metrics ({@link TimestampOracle#addFenceListener}).
 * Durations are measured on the monotonic clock; phases of the last attempt only (earlier attempts that failed with
 * TRANSIENT errors count in {@code total} and {@code attempts}).
 *
 * @param term the term fenced
 * @param election from this node first seeing the term (an event of that term: as a candidate, usually) to the start of
 *     the fence: the election and the leader's first entry as this node saw them, plus the 10 ms settle
 * @param load the linearized load of the register
 * @param persist the first write of the term (the new mark)
 * @param leaseWait how long the fence waited after that write for earlier leases to run out
 * @param waitReason why it waited that long (or did not)
 * @param waitedLease the lease the wait was computed from ({@link Duration#ZERO} when skipped); the wait ends one
 *     such lease plus the drift margin after the load was sent
 * @param renew the keep-alive write that starts this node's own lease
 * @param total from FENCING to SERVING
 * @param attempts how many times the fence started (1 + retries after TRANSIENT errors)
 * @param floor the first physical millisecond served in the term
 * @param highWater the persisted mark when serving began
 */
public record FenceTimings(long term, Duration election, Duration load, Duration persist, Duration leaseWait,
    WaitReason waitReason, Duration waitedLease, Duration renew, Duration total, int attempts, long floor,
    long highWater) {

  /** Why the lease wait was as long as it was. */
  public enum WaitReason {
    /** This node's own lease was the longest on record. */
    OWN_LEASE,
    /** An earlier leader's persist carried a longer lease than this node's; the fence waited that one out. */
    LARGEST_SEEN,
    /** The last lease event in the log was a release: no earlier lease can still run, so no wait (H2). */
    SKIPPED_AFTER_RELEASE,
    /**
     * The last lease-granting persist had been applied on this node long enough before the load that every earlier
     * lease ends sooner than by the load-sent rule: the wait counted from that apply (F6b), often nothing left.
     */
    SINCE_LAST_GRANT
  }

  /**
   * The phases in one line, as the INFO log line shows them (the fence's total, FENCING to SERVING, is logged before
   * it; the election precedes the fence and is not part of that total).
   */
  public String summary() {
    String why = switch (waitReason) {
      case OWN_LEASE -> "own lease " + waitedLease.toMillis() + " ms + drift";
      case LARGEST_SEEN -> "largest lease seen " + waitedLease.toMillis() + " ms + drift";
      case SKIPPED_AFTER_RELEASE -> "skipped after a lease release";
      case SINCE_LAST_GRANT -> "largest lease " + waitedLease.toMillis()
          + " ms + drift from the last grant's arrival here";
    };
    return "election " + election.toMillis() + " ms, load " + load.toMillis() + " ms, persist " + persist.toMillis() + " ms, lease wait " + leaseWait.toMillis()
        + " ms (" + why + "), renew " + renew.toMillis() + " ms, " + attempts + (attempts == 1 ? " attempt" : " attempts");
  }
}
