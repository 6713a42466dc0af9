package io.tso4j.core;

import java.time.Duration;
import java.util.Map;
import java.util.Optional;

/**
 * A snapshot of the oracle's counters (cumulative since the oracle was made), for metrics and tests.
 *
 * @param freezeEpisodes how many freeze episodes began (the lease lapsed while serving: state FROZEN); each refusal
 *     with LEASE_EXPIRED belongs to exactly one of them (its summary line counts it)
 * @param leaseRefusals how many calls were refused because the lease had lapsed (the same count as {@code
 *     refusals.get(LEASE_EXPIRED)})
 * @param clockForwardJumps wall-clock steps forward (against the monotonic clock) beyond the jump threshold; the
 *     oracle time follows them at the bounded slew rate only
 * @param clockBackwardJumps wall-clock steps back beyond the jump threshold
 * @param clockBehindEpisodes episodes in which the served physical time ran ahead of the wall clock by more than
 *     one window plus the jump threshold
 * @param clockLeadMillis how far the served physical time is ahead of the wall clock now (0 if not ahead); an alarm
 *     when it stays above one window
 * @param oracleTimeOffsetMillis the oracle time minus the wall clock at the last sample: above 0 while it is ahead
 *     (a wall clock that stepped back, or a window opened above the clock), below 0 while it slews to follow a wall
 *     clock that stepped forward
 * @param fenceOutcomes how many fences ended, by outcome
 * @param windowExtensions how many window extensions the allocator asked for were committed
 * @param windowExtensionLatencyTotal the summed time from an extension request to its commit
 * @param windowExtensionLatencyMax the longest such time
 * @param lastFence the phases of the last completed fence, if any
 * @param refusals how many calls {@link TimestampOracle#allocate} refused, by reason (every reason present)
 * @param clockSuspectEpisodes how many times a majority of the other voters began to see this node's monotonic clock
 *     run at another rate (beyond {@link FenceConfig#peerClockRateBound()}); each episode stops serving until they
 *     agree again (docs/correctness.md C6)
 * @param clockSuspect whether such an episode runs now
 * @param peerClockDisagreements how many times a single peer (not a majority) began to disagree with this node's
 *     clock rate: the peer's clock is the likely culprit; nothing changes here
 * @param termChanges how many times this node learned of a term newer than any it had seen, after the first one it
 *     saw (every election it took part in or heard of since it started; a quiet cluster adds none)
 */
public record OracleStats(long freezeEpisodes, long leaseRefusals, long clockForwardJumps, long clockBackwardJumps,
    long clockBehindEpisodes, long clockLeadMillis, long oracleTimeOffsetMillis, Map<FenceOutcome, Long> fenceOutcomes,
    long windowExtensions, Duration windowExtensionLatencyTotal, Duration windowExtensionLatencyMax,
    Optional<FenceTimings> lastFence, Map<RefusedException.Reason, Long> refusals, long clockSuspectEpisodes,
    boolean clockSuspect, long peerClockDisagreements, long termChanges) {

  /** Copies the maps. */
  public OracleStats {
    fenceOutcomes = Map.copyOf(fenceOutcomes);
    refusals = Map.copyOf(refusals);
  }

  /** How many calls were refused with {@code reason}. */
  public long refused(RefusedException.Reason reason) {
    return refusals.getOrDefault(reason, 0L);
  }

  /** How many fences ended with {@code outcome}. */
  public long fences(FenceOutcome outcome) {
    return fenceOutcomes.getOrDefault(outcome, 0L);
  }
}
