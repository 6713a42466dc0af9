package io.tso4j.core;

import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Watches the wall clock against the monotonic ticker and against the physical time this node served, and reports
 * trouble once per episode (docs/correctness.md C1–C3).
 *
 * <ul>
 *   <li>A <b>jump</b>: between two samples the wall clock moved more than {@code jumpThresholdMillis} away from what
 *       the monotonic ticker says elapsed. The {@link OracleTime} follows it at the bounded slew rate only (forward:
 *       at most (1 + s) times as fast as the monotonic clock; backward: it keeps advancing at (1 − s) times the
 *       monotonic rate, never lower). Each jump is one episode: one WARN, one count.</li>
 *   <li><b>Behind</b>: the served physical time is more than {@code leadThresholdMillis} ahead of the wall clock (a
 *       backward jump, a slow clock, or the lead a failover inherits from the previous leader's window). One WARN when
 *       the episode begins, one INFO line when the clock has caught up to within half the threshold.</li>
 * </ul>
 *
 * <p>Counters are readable from any thread; {@link #observe} is called by one thread (the leader watch).
 */
final class ClockWatch {
  private static final Logger LOG = LoggerFactory.getLogger(ClockWatch.class);

  private final String id;
  private final long jumpThresholdMillis;
  private final long leadThresholdMillis;
  private final AtomicLong forwardJumps = new AtomicLong();
  private final AtomicLong backwardJumps = new AtomicLong();
  private final AtomicLong behindEpisodes = new AtomicLong();
  private volatile long leadMillis;
  private volatile long oracleOffsetMillis;
  // Owned by the observing thread.
  private boolean sampled;
  private long lastWall;
  private long lastMono;
  private boolean behind;
  private long behindSinceMono;
  private long worstLead;

  ClockWatch(String id, long jumpThresholdMillis, long leadThresholdMillis) {
    this.id = id;
    this.jumpThresholdMillis = jumpThresholdMillis;
    this.leadThresholdMillis = leadThresholdMillis;
  }

  /**
   * One sample: the wall clock, the monotonic ticker, the oracle time, and the largest physical value served (-1 if
   * none).
   */
  void observe(long wallMillis, long monoNanos, long oracleMillis, long servedPhysical) {
    oracleOffsetMillis = oracleMillis - wallMillis;
    if (sampled) {
      long expected = lastWall + (monoNanos - lastMono) / 1_000_000;
      long jump = wallMillis - expected;
      if (jump > jumpThresholdMillis) {
        forwardJumps.incrementAndGet();
        LOG.warn("[{}] wall clock jumped forward by {} ms against the monotonic clock; the oracle time follows it "
            + "at the bounded slew rate only, never in one step", id, jump);
      } else if (jump < -jumpThresholdMillis) {
        backwardJumps.incrementAndGet();
        LOG.warn("[{}] wall clock jumped back by {} ms against the monotonic clock; the oracle time never goes back: "
            + "it keeps advancing, slightly slower than the monotonic clock, until the wall clock catches up", id,
            -jump);
      }
    }
    sampled = true;
    lastWall = wallMillis;
    lastMono = monoNanos;
    long lead = servedPhysical < 0 ? 0 : Math.max(0, servedPhysical - wallMillis);
    leadMillis = lead;
    if (!behind && lead > leadThresholdMillis) {
      behind = true;
      behindSinceMono = monoNanos;
      worstLead = lead;
      behindEpisodes.incrementAndGet();
      LOG.warn("[{}] wall clock is {} ms behind the physical time already served (threshold {} ms); the oracle "
          + "keeps serving from its own time, ahead of the wall clock, until the wall clock catches up", id, lead,
          leadThresholdMillis);
    } else if (behind) {
      worstLead = Math.max(worstLead, lead);
      if (lead <= leadThresholdMillis / 2) {
        behind = false;
        LOG.info("[{}] wall clock caught up with the served physical time after {} ms (worst lead {} ms)", id,
            (monoNanos - behindSinceMono) / 1_000_000, worstLead);
      }
    }
  }

  long forwardJumps() {
    return forwardJumps.get();
  }

  long backwardJumps() {
    return backwardJumps.get();
  }

  long behindEpisodes() {
    return behindEpisodes.get();
  }

  long leadMillis() {
    return leadMillis;
  }

  long oracleOffsetMillis() {
    return oracleOffsetMillis;
  }
}
