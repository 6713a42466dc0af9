package io.tso4j.client.internal;

import io.tso4j.client.TsoDeadlineExceededException;
import io.tso4j.client.TsoException;
import io.tso4j.client.TsoUnavailableException;
import io.tso4j.proto.v1.GetMembersResponse;
import io.tso4j.proto.v1.LeaderHint;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * The client's one failover policy: where the next attempt goes after a failure, for a unary call ({@link UnaryCall})
 * and for the timestamp stream ({@link StreamDispatcher}) alike. It does no I/O: its owner performs each
 * {@link Step} and reports back.
 *
 * <p><b>Order.</b> A round tries the cached leader, then the known members, then the seeds, each at most once; an
 * endpoint that failed at the transport level recently ({@link Reachability}) goes last.
 *
 * <p><b>Hints.</b> A hint whose term is below the leader cache's term is ignored. Otherwise it goes into the cache
 * and the next attempt goes at once to the leader the cache names (a redirect; at most {@code maxRedirects} per
 * round), unless that endpoint already failed in this round or is unreachable and the hint brings no newer term. A
 * node that just refused is never tried again in the same round, except when its hint names the node itself (it is
 * the leader of that term, fencing or extending its window: it will serve soon); then it is asked again after its own
 * estimate ({@code serving_in_ms}, sent while it fences) or a short jittered delay ({@link #pollDelayNanos()}),
 * whichever is longer, at most {@link #POLLS_PER_ROUND} times.
 *
 * <p><b>Polling a live member.</b> When the only endpoints left in a round are unreachable ones (or none), and some
 * node answered in this round, the policy asks that node for the members (GetMembers) every poll delay instead of
 * dialling dead endpoints: the first node that learns the new leader tells the client, which goes there at once.
 *
 * <p><b>Rounds.</b> When nothing is left, a new round starts after a full-jitter exponential backoff; its owner
 * re-bootstraps from the seeds first, except after the first round in which every attempt only timed out (a slow or
 * cold node: its channel may still be connecting). When every endpoint is poisoned the policy gives up at once.
 *
 * <p>Not thread-safe: the owner calls it under its own lock.
 */
final class EndpointRound {
  /** How many polls (GetMembers of a live member, or of a leader that names itself) one round makes at most: 16. */
  static final int POLLS_PER_ROUND = 16;

  /** The longest a client waits on a fencing node's own estimate before asking it again: 1 s. */
  static final long MAX_SELF_HINT_WAIT_NANOS = TimeUnit.SECONDS.toNanos(1);

  /** What the owner does next. */
  sealed interface Step permits Send, Poll, Wait, GiveUp {
  }

  /** Send the request to {@code endpoint}, after {@code delayNanos} (0: now). */
  record Send(String endpoint, long delayNanos) implements Step {
  }

  /** Ask {@code endpoint} for the members after {@code delayNanos}; report the answer to {@link #polled}. */
  record Poll(String endpoint, long delayNanos) implements Step {
  }

  /**
   * Every endpoint was tried: re-bootstrap if {@code rebootstrap}, then call {@link #next()} after
   * {@code delayNanos}.
   */
  record Wait(long delayNanos, boolean rebootstrap) implements Step {
  }

  /** Every endpoint is out of service; fail with {@code error} now. */
  record GiveUp(TsoException error) implements Step {
  }

  private final FailoverContext ctx;
  private final ClientMetrics metrics;
  private final Set<String> tried = new HashSet<>();
  private final Set<String> poisoned = new HashSet<>();
  private int round;
  private int timeoutOnlyRounds;
  private boolean onlyTimeouts = true;
  private int redirects;
  private int polls;
  private String live;
  private int attempts;
  private Failure last;
  private Failure lastRefusal;
  private long lastFailureNanos;

  EndpointRound(FailoverContext ctx, ClientMetrics metrics) {
    this.ctx = ctx;
    this.metrics = metrics;
  }

  /** The next step of the current round (or the start of the next one). */
  Step next() {
    List<String> candidates = candidates();
    for (String c : candidates) {
      if (!tried.contains(c) && !poisoned.contains(c) && !ctx.reachability().suspect(c)) {
        return send(c, 0);
      }
    }
    if (live != null && polls < POLLS_PER_ROUND) {
      polls++;
      return new Poll(live, pollDelayNanos());
    }
    for (String c : candidates) {
      if (!tried.contains(c) && !poisoned.contains(c)) {
        return send(c, 0);
      }
    }
    if (!poisoned.isEmpty() && poisoned.containsAll(candidates)) {
      TsoException e = new TsoUnavailableException("every endpoint is out of service; last: "
          + (last == null ? "none" : last.error().getMessage()), last == null ? null : last.error());
      poisoned.clear();
      tried.clear();
      return new GiveUp(e);
    }
    round++;
    timeoutOnlyRounds = onlyTimeouts ? timeoutOnlyRounds + 1 : 0;
    // A round in which every attempt only timed out (a slow or cold node) keeps its channels once, so that a
    // connection still being set up is not thrown away; a second such round re-resolves the seeds too.
    boolean rebootstrap = timeoutOnlyRounds != 1;
    onlyTimeouts = true;
    tried.clear();
    redirects = 0;
    polls = 0;
    live = null;
    return new Wait(TimeUnit.MILLISECONDS.toNanos(ctx.backoff().delayMillis(round)), rebootstrap);
  }

  /**
   * The attempt at {@code endpoint} failed with {@code f} (not {@link Failure.Kind#FATAL}: the owner ends the call
   * then); returns the next step.
   */
  Step failed(String endpoint, Failure f) {
    last = f;
    lastFailureNanos = ctx.ticker().nanoTime();
    tried.add(endpoint);
    if (f.kind() != Failure.Kind.ATTEMPT_TIMEOUT) {
      onlyTimeouts = false;
    }
    switch (f.kind()) {
      case SKIP_NODE:
        lastRefusal = f;
        poisoned.add(endpoint);
        forget(endpoint);
        metrics.retried(ClientMetrics.RetryReason.POISONED);
        break;
      case ATTEMPT_TIMEOUT:
        ctx.reachability().markUnreachable(endpoint);
        forget(endpoint);
        metrics.retried(ClientMetrics.RetryReason.ATTEMPT_TIMEOUT);
        break;
      case RETRY:
        lastRefusal = f;
        forget(endpoint);
        if (f.answered()) {
          ctx.reachability().markAnswered(endpoint);
          live = endpoint;
        } else {
          ctx.reachability().markUnreachable(endpoint);
          if (endpoint.equals(live)) {
            live = null;
          }
        }
        break;
      default:
        throw new IllegalArgumentException("the owner ends the call on " + f.kind());
    }
    if (f.hint().isPresent()) {
      Step s = follow(endpoint, f.hint().get());
      if (s != null) {
        return s;
      }
    }
    if (f.kind() == Failure.Kind.RETRY) {
      metrics.retried(ClientMetrics.RetryReason.UNAVAILABLE);
    }
    return next();
  }

  /** The poll of {@code endpoint} was answered with {@code r}; returns the next step. */
  Step polled(String endpoint, GetMembersResponse r) {
    ctx.reachability().markAnswered(endpoint);
    if (!poisoned.contains(endpoint)) {
      live = endpoint;
    }
    if (r.getServing() && !poisoned.contains(endpoint)) {
      return send(endpoint, 0);
    }
    if (r.hasLeader() && !r.getLeader().getId().isEmpty()) {
      Step s = follow(endpoint, r.getLeader());
      if (s != null) {
        return s;
      }
    }
    return next();
  }

  /** The poll of {@code endpoint} failed with {@code f}; returns the next step. */
  Step pollFailed(String endpoint, Failure f) {
    if (endpoint.equals(live)) {
      live = null;
    }
    if (!f.answered()) {
      ctx.reachability().markUnreachable(endpoint);
    }
    return next();
  }

  /** {@code endpoint} served: the episode is over, the next failure starts a fresh round. */
  void served(String endpoint) {
    ctx.reachability().markAnswered(endpoint);
    tried.clear();
    poisoned.remove(endpoint);
    round = 0;
    timeoutOnlyRounds = 0;
    onlyTimeouts = true;
    redirects = 0;
    polls = 0;
    live = null;
  }

  /** The last failure, or null. */
  Failure lastFailure() {
    return last;
  }

  /** When (ticker nanos) the last failure was reported; meaningful only if {@link #lastFailure()} is not null. */
  long lastFailureNanos() {
    return lastFailureNanos;
  }

  /**
   * The error for a call whose deadline passed: unavailable if some node refused it (the most telling failure), a
   * deadline error if every attempt timed out or none finished.
   *
   * @param what the call, e.g. {@code GetTimestamp(count=1)}
   * @param lastOnly the failure to report (may be null for none)
   */
  static TsoException deadlineError(String what, Duration callTimeout, String detail, Failure lastOnly,
      Failure refusal) {
    String timing = " within " + callTimeout + detail;
    if (refusal != null) {
      return new TsoUnavailableException(what + ": no tso4j endpoint served" + timing + "; last: "
          + refusal.error().getMessage(), refusal.error());
    }
    if (lastOnly != null) {
      return new TsoDeadlineExceededException(what + " timed out" + timing + "; last: "
          + lastOnly.error().getMessage(), lastOnly.error());
    }
    return new TsoDeadlineExceededException(what + " got no answer" + timing);
  }

  /** This round's error for a call whose deadline passed (see {@link #deadlineError}). */
  TsoException deadlineError(String what, Duration callTimeout) {
    return deadlineError(what, callTimeout, " (" + attempts + " attempts in " + (round + 1) + " rounds)", last,
        lastRefusal);
  }

  /** The delay before a poll: uniform in [base/2, base] of the backoff (10..20 ms by default). */
  long pollDelayNanos() {
    long base = TimeUnit.MILLISECONDS.toNanos(ctx.backoff().ceilingMillis(1));
    return base / 2 + ThreadLocalRandom.current().nextLong(base / 2 + 1);
  }

  private Step follow(String from, LeaderHint hint) {
    KnownLeader before = ctx.leaders().current();
    if (hint.getTerm() < before.term() || hint.getTerm() < 0) {
      return null;
    }
    String hinted = ChannelPool.isValidEndpoint(hint.getEndpoint()) ? hint.getEndpoint() : "";
    if (ctx.leaders().offerHint(hint.getTerm(), hint.getId(), hinted)) {
      metrics.leaderChanged();
    }
    String target = ctx.leaders().current().endpoint();
    if (target.isEmpty() || poisoned.contains(target)) {
      return null;
    }
    if (target.equals(from)) {
      // The node names itself: it leads this term but does not serve yet (fencing, extending its window).
      if (polls >= POLLS_PER_ROUND) {
        return null;
      }
      polls++;
      metrics.retried(ClientMetrics.RetryReason.REDIRECT);
      return send(from, selfHintDelayNanos(hint));
    }
    boolean news = hint.getTerm() > before.term();
    if (redirects >= ctx.maxRedirects()) {
      return null;
    }
    if (!news && (tried.contains(target) || ctx.reachability().suspect(target))) {
      return null;
    }
    redirects++;
    metrics.retried(ClientMetrics.RetryReason.REDIRECT);
    return send(target, 0);
  }

  /**
   * How long to wait before asking a node again that named itself: its own estimate ({@code serving_in_ms}, sent
   * while it fences) but at least a poll delay and at most {@link #MAX_SELF_HINT_WAIT_NANOS}.
   */
  long selfHintDelayNanos(LeaderHint hint) {
    long estimate = TimeUnit.MILLISECONDS.toNanos(Integer.toUnsignedLong(hint.getServingInMs()));
    return Math.max(pollDelayNanos(), Math.min(estimate, MAX_SELF_HINT_WAIT_NANOS));
  }

  private void forget(String endpoint) {
    ctx.leaders().forget(endpoint);
  }

  private Step send(String endpoint, long delayNanos) {
    tried.add(endpoint);
    attempts++;
    return new Send(endpoint, delayNanos);
  }

  /** The leader, then the known members, then the seeds, without repeats. */
  private List<String> candidates() {
    Set<String> all = new LinkedHashSet<>();
    KnownLeader leader = ctx.leaders().current();
    if (leader.hasEndpoint()) {
      all.add(leader.endpoint());
    }
    all.addAll(ctx.view().known());
    all.addAll(ctx.view().seeds());
    return new ArrayList<>(all);
  }
}
