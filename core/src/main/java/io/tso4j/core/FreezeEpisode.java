package io.tso4j.core;

import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Bookkeeping of lease freezes (OPAL #933 style): one WARN when an episode begins, a one-line summary when it ends
 * (duration, calls refused meanwhile, failed renewals, how often the lease lapsed again), nothing per request.
 *
 * <p>An episode ends when the node steps down or stops, or once renewals have kept the lease valid for {@link
 * #QUIET_NANOS} after the last lapse; a lapse within that quiet period (a slow disk makes the lease lapse, recover and
 * lapse again) belongs to the same episode and logs nothing new. Used by the leader watch thread only; {@link
 * #episodes()} may be read from any thread.
 */
final class FreezeEpisode {
  /** How long the lease must stay valid after a lapse before the episode counts as over. */
  static final long QUIET_NANOS = TimeUnit.SECONDS.toNanos(1);
  private static final Logger LOG = LoggerFactory.getLogger(FreezeEpisode.class);

  private final String id;
  private volatile long episodes;
  private boolean open;
  private long term;
  private long startNanos;
  private long refusalsAtStart;
  private long recoveredAtNanos = -1;
  private int failedRenewals;
  private int lapses;

  FreezeEpisode(String id) {
    this.id = id;
  }

  /** Whether an episode is open (frozen now, or recovered less than the quiet period ago). */
  boolean open() {
    return open;
  }

  /** Counts a renewal that did not commit in time. */
  void renewalFailed() {
    failedRenewals++;
  }

  /** The lease of {@code term} lapsed at {@code nowNanos}: opens an episode (one WARN) or continues the open one. */
  void lapsed(long term, long nowNanos, long refusalsSoFar, String why) {
    lapses++;
    if (open && this.term == term) {
      recoveredAtNanos = -1;
      LOG.debug("[{}] lease lapsed again in term {} ({})", id, term, why);
      return;
    }
    if (open) {
      end(nowNanos, refusalsSoFar, "term changed");
      lapses = 1;
    }
    open = true;
    episodes++;
    this.term = term;
    startNanos = nowNanos;
    refusalsAtStart = refusalsSoFar;
    recoveredAtNanos = -1;
    LOG.warn("[{}] FROZEN in term {}: the lease lapsed because renewals do not commit ({}); refusing with a "
        + "retryable status until a renewal commits or leadership moves", id, term, why);
  }

  /** A renewal committed and the lease is valid again. */
  void renewed(long nowNanos) {
    if (!open) {
      failedRenewals = 0;
      return;
    }
    if (recoveredAtNanos < 0) {
      recoveredAtNanos = nowNanos;
    }
  }

  /** Ends the episode if the lease has stayed valid for the quiet period. */
  void tick(long nowNanos, long refusalsSoFar) {
    if (open && recoveredAtNanos >= 0 && nowNanos - recoveredAtNanos >= QUIET_NANOS) {
      end(nowNanos, refusalsSoFar, "renewed");
    }
  }

  /** Ends the open episode, if any, with a summary line; {@code how} says why it ended. */
  void end(long nowNanos, long refusalsSoFar, String how) {
    if (!open) {
      failedRenewals = 0;
      lapses = 0;
      return;
    }
    open = false;
    LOG.info("[{}] freeze in term {} ended ({}) after {} ms: {} calls refused, {} renewals failed, lease lapsed {} "
        + "time(s)", id, term, how, (nowNanos - startNanos) / 1_000_000, refusalsSoFar - refusalsAtStart,
        failedRenewals, lapses);
    failedRenewals = 0;
    lapses = 0;
    recoveredAtNanos = -1;
  }

  /** How many episodes began so far. */
  long episodes() {
    return episodes;
  }
}
