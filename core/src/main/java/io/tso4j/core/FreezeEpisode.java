package io.tso4j.core;

import io.tso4j.core.FenceAction.Log;
import io.tso4j.core.FenceAction.Log.Level;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Bookkeeping of lease freezes (OPAL #933 style): one WARN when an episode begins, a one-line summary when it ends
 * (duration, calls refused meanwhile, failed renewals, how often the lease lapsed again), nothing per request.
 *
 * <p>An episode ends when the node steps down or stops, or once renewals have kept the lease valid for {@link
 * #QUIET_NANOS} after the last lapse; a lapse within that quiet period (a slow disk makes the lease lapse, recover and
 * lapse again) belongs to the same episode and logs nothing new. Pure: the time and the refusal counter are passed
 * in, the log lines go to the given sink as {@link Log} actions. Owned by the {@link FenceProtocol}; {@link
 * #episodes()} may be read from any thread.
 *
 * <p>Counting: the allocator refuses with LEASE_EXPIRED on its own, the moment the lease runs out, while the leader
 * watch may learn of the lapse later (a paused process: request threads run first when it resumes). So an episode
 * does not count from the moment it was noticed: it counts every refusal since the previous episode ended, and its
 * start is the lease's deadline. A LEASE_EXPIRED refusal happens only after a lapse, and each lapse belongs to an
 * episode, so every such refusal is in exactly one summary (the allocator is closed before a step-down is handled;
 * the leader watch's own leadership poll closes it a few microseconds after, and a call refused in between counts
 * in the next episode).
 */
final class FreezeEpisode {
  /** How long the lease must stay valid after a lapse before the episode counts as over. */
  static final long QUIET_NANOS = TimeUnit.SECONDS.toNanos(1);

  private final String id;
  private volatile long episodes;
  private boolean open;
  private long term;
  private long startNanos;
  /** The refusal count when the previous episode ended: this episode's refusals are the ones after it. */
  private long refusalsCounted;
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

  /**
   * The lease of {@code term} lapsed at {@code lapsedAtNanos} (its deadline; the watch may notice it later): opens an
   * episode (one WARN) or continues the open one.
   */
  void lapsed(long term, long lapsedAtNanos, long refusalsSoFar, String why, Consumer<FenceAction> out) {
    lapses++;
    if (open && this.term == term) {
      recoveredAtNanos = -1;
      out.accept(new Log(Level.DEBUG, "[" + id + "] lease lapsed again in term " + term + " (" + why + ")", null));
      return;
    }
    if (open) {
      end(lapsedAtNanos, refusalsSoFar, "term changed", out);
      lapses = 1;
    }
    open = true;
    episodes++;
    this.term = term;
    startNanos = lapsedAtNanos;
    recoveredAtNanos = -1;
    out.accept(new Log(Level.WARN, "[" + id + "] FROZEN in term " + term + ": the lease lapsed because renewals do "
        + "not commit (" + why + "); refusing with a retryable status until a renewal commits or leadership moves",
        null));
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
  void tick(long nowNanos, long refusalsSoFar, Consumer<FenceAction> out) {
    if (open && recoveredAtNanos >= 0 && nowNanos - recoveredAtNanos >= QUIET_NANOS) {
      end(nowNanos, refusalsSoFar, "renewed", out);
    }
  }

  /** When {@link #tick} would end the open, recovered episode (for the wake-up); {@code Long.MAX_VALUE} if never. */
  long quietEndNanos() {
    return open && recoveredAtNanos >= 0 ? recoveredAtNanos + QUIET_NANOS : Long.MAX_VALUE;
  }

  /** Ends the open episode, if any, with a summary line; {@code how} says why it ended. */
  void end(long nowNanos, long refusalsSoFar, String how, Consumer<FenceAction> out) {
    if (!open) {
      failedRenewals = 0;
      lapses = 0;
      return;
    }
    open = false;
    long refused = refusalsSoFar - refusalsCounted;
    refusalsCounted = refusalsSoFar;
    out.accept(new Log(Level.INFO, "[" + id + "] freeze in term " + term + " ended (" + how + ") after "
        + Math.max(0, nowNanos - startNanos) / 1_000_000 + " ms: " + refused + " calls refused, "
        + failedRenewals + " renewals failed, lease lapsed " + lapses + " time(s)", null));
    failedRenewals = 0;
    lapses = 0;
    recoveredAtNanos = -1;
  }

  /** How many episodes began so far. */
  long episodes() {
    return episodes;
  }
}
