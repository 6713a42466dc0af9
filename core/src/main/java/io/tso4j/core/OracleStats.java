package io.tso4j.core;

/**
 * A snapshot of the oracle's fault counters (cumulative since the oracle was made).
 *
 * @param freezeEpisodes how many times the lease lapsed while serving (state FROZEN)
 * @param leaseRefusals how many calls were refused because the lease had lapsed
 * @param clockForwardJumps wall-clock jumps forward (against the monotonic clock) beyond the jump threshold
 * @param clockBackwardJumps wall-clock jumps back beyond the jump threshold
 * @param clockBehindEpisodes episodes in which the served physical time ran ahead of the wall clock by more than
 *     one window plus the jump threshold
 * @param clockLeadMillis how far the served physical time is ahead of the wall clock now (0 if not ahead)
 */
public record OracleStats(long freezeEpisodes, long leaseRefusals, long clockForwardJumps, long clockBackwardJumps,
    long clockBehindEpisodes, long clockLeadMillis) {
}
