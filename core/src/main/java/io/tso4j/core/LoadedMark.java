package io.tso4j.core;

import java.time.Duration;
import java.util.Optional;

/**
 * The high-water register as one linearized load saw it: what the fence needs to know before it may serve.
 *
 * @param highWater the high-water mark H (physical milliseconds); every timestamp any earlier leader could serve has
 *     a physical part ≤ H
 * @param largestLease the longest lease any persist in the log ever carried (its proposer's {@link
 *     ConsensusDriver#leaseDuration()}); {@link Duration#ZERO} if none did (an empty register, or one written only by
 *     a version that did not record leases). A new leader waits at least this long, plus the drift margin, after its
 *     load, so that no earlier leader's lease can still run (docs/correctness.md F6)
 * @param leaseReleased whether the last lease event in the log is a {@link ConsensusDriver#releaseLease release} by
 *     the leader that granted the last lease, with no lease-granting persist after it: then no earlier lease can still
 *     be live and the new leader may skip the lease wait (docs/correctness.md H2)
 * @param sinceLastGrant how long before the load was applied the replica that answered it had applied the last
 *     lease-granting persist, on its own monotonic clock; empty when it does not know (see the driver). Every earlier
 *     lease ends at the latest the largest lease after that apply, so the fence may end its wait that long after it
 *     (docs/correctness.md F6b)
 */
public record LoadedMark(long highWater, Duration largestLease, boolean leaseReleased,
    Optional<Duration> sinceLastGrant) {
  /** A mark without the age of the last grant. */
  public LoadedMark(long highWater, Duration largestLease, boolean leaseReleased) {
    this(highWater, largestLease, leaseReleased, Optional.empty());
  }

  /** Validates the fields. */
  public LoadedMark {
    if (highWater < 0) {
      throw new IllegalArgumentException("highWater must be >= 0: " + highWater);
    }
    if (largestLease == null || largestLease.isNegative()) {
      throw new IllegalArgumentException("largestLease must be >= 0: " + largestLease);
    }
    if (sinceLastGrant == null || sinceLastGrant.filter(Duration::isNegative).isPresent()) {
      throw new IllegalArgumentException("sinceLastGrant must be empty or >= 0: " + sinceLastGrant);
    }
  }

  /** A mark with no recorded lease and no release (what a register without lease records holds). */
  public static LoadedMark of(long highWater) {
    return new LoadedMark(highWater, Duration.ZERO, false);
  }
}
