package io.tso4j.core;

import io.github.resilience4j.core.IntervalFunction;
import io.tso4j.core.ConsensusException.Kind;
import io.tso4j.core.FenceAction.Log.Level;
import io.tso4j.core.FenceTimings.WaitReason;
import io.tso4j.core.ServingState.Status;
import io.tso4j.timestamp.Timestamp;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The fence protocol: every decision of the leader watch, as a pure synchronous state machine. {@link #on(FenceInput,
 * Now)} takes one input and the time and returns the actions to run, in order. No threads, no blocking, no clock
 * reads: the leader watch's loop feeds it, and tests drive it by hand on a manual clock (docs/correctness.md A5,
 * F1–F12, L1–L4, H1–H2 name the tests).
 *
 * <p>On {@code Leader(T)}: settle {@value #SETTLE_MILLIS} ms (a burst of flapping events is acted on once, for the
 * newest, F10) → FENCING(T) → load the register → floor = max(H + 1, now) → persist max(floor, now + window) → wait
 * until max(own lease, largest lease on record) + drift margin after the load was sent (no wait if the last lease event
 * was a release) → a keep-alive write starts this node's lease → confirm the driver still reports Leader(T) → raise
 * the oracle time to floor − window, open the allocator, SERVING(T). While serving, a keep-alive every interval renews
 * the lease and slides the window to max(H, now + window); a lease that lapses → FROZEN until a renewal commits.
 * Errors: TRANSIENT → retried with Resilience4j backoff within the budget; NOT_LEADER/FENCED → step down with a
 * doubling hold-off of that term; PERMANENT or a broken invariant → poison. A loaded mark at the limit of the
 * timestamp format ends the fence as EXHAUSTED, without poisoning. Events older than the newest term seen are ignored.
 *
 * <p>"now" is always the {@link Now} passed in: the monotonic clock for deadlines and the oracle time ({@link
 * OracleTime}) for physical values. Single-threaded: owned by the leader watch's thread; only {@link
 * #freezeEpisodes()} and {@link #termChanges()} may be read from other threads.
 */
final class FenceProtocol {
  /** How long a Leader event waits for following events before the fence starts (flap coalescing). */
  static final long SETTLE_MILLIS = 10;
  static final long SETTLE_NANOS = TimeUnit.MILLISECONDS.toNanos(SETTLE_MILLIS);
  /** How often a node whose clock is suspect asks again to hand away a leadership it still holds (C6). */
  static final long YIELD_RETRY_NANOS = TimeUnit.SECONDS.toNanos(1);
  /** {@link #expectedServingAtNanos()} when this node is not fencing (no estimate). */
  static final long NO_ESTIMATE = Long.MIN_VALUE;

  /**
   * What the loop observed just before an input.
   *
   * @param monoNanos the monotonic clock
   * @param physicalMillis the oracle time ({@link OracleTime#nowMillis()})
   * @param leaseRefusals the allocator's count of LEASE_EXPIRED refusals so far (for freeze summaries)
   */
  record Now(long monoNanos, long physicalMillis, long leaseRefusals) {
  }

  /** The lifecycle of the protocol. */
  enum Phase {
    /** Not leading, or a fence ended; watching. */
    IDLE,
    /** A Leader event arrived; waiting {@value #SETTLE_MILLIS} ms for following events. */
    SETTLING,
    /** Fencing: the load is in flight. */
    LOADING,
    /** Fencing: the first write of the term is in flight. */
    PERSISTING,
    /** Fencing: waiting for every earlier lease to run out. */
    LEASE_WAIT,
    /** Fencing: the write that starts this node's lease is in flight. */
    RENEWING,
    /** Fencing: asking the driver whether it still reports Leader(term). */
    CONFIRMING,
    /** Fencing: waiting before a retry after a TRANSIENT error. */
    BACKOFF,
    /** Serving (or FROZEN while {@code frozen}). */
    SERVING,
    /** Stopping: the lease release is in flight. */
    RELEASING,
    /** Stopped for good. */
    STOPPED,
    /** Poisoned for good. */
    POISONED;

    boolean fencing() {
      return this == LOADING || this == PERSISTING || this == LEASE_WAIT || this == RENEWING || this == CONFIRMING
          || this == BACKOFF;
    }
  }

  private enum CallKind {
    LOAD,
    PERSIST,
    RENEW,
    KEEP_ALIVE,
    RELEASE
  }

  private record Call(long id, CallKind kind, long sentNanos, long deadlineNanos) {
  }

  private final String id;
  private final long windowMillis;
  private final long keepAliveNanos;
  private final long pollNanos;
  private final long operationTimeoutNanos;
  private final long retryBudgetNanos;
  private final long driftNanos;
  private final long ownLeaseNanos;
  private final IntervalFunction backoff;
  private final HoldOff holdOff;
  private final FreezeEpisode freeze;
  private volatile boolean unsafeSkipLeaseWait;
  /** Written on the watch thread, read by the service thread that answers a refusal (see the accessor). */
  private volatile long expectedServingAtNanos = NO_ESTIMATE;

  // The step being computed.
  private Now now;
  private List<FenceAction> out;

  private Phase phase = Phase.IDLE;
  private boolean started;
  private long newestTerm;
  /** When this node first saw {@link #newestTerm} (an event of that term), for the election phase of a failover. */
  private long newestTermSeenNanos;
  /** Times the newest term went up after the first one this node saw (readable from any thread). */
  private final AtomicLong termChanges = new AtomicLong();
  private LeadershipEvent lastSeen = new LeadershipEvent.Unknown(0);
  private ServingState published = ServingState.initial();
  private long nextPollNanos;
  private long nextCallId;
  private Call call;

  private LeadershipEvent settleFirst;
  private LeadershipEvent settleLatest;
  private long settleUntilNanos;

  /** The term being fenced or served. */
  private long term = -1;
  private long fenceStartNanos;
  /** From first seeing the fenced term to the fence's start (the election as this node saw it, plus the settle). */
  private long electionNanos;
  private int failures;
  private long retryAtNanos;
  private long loadSentNanos;
  private long loadDoneNanos;
  private long persistSentNanos;
  private long persistDoneNanos;
  private boolean renewSkipped;
  private long waitUntilNanos;
  private WaitReason waitReason;
  private long waitedLeaseNanos;
  private long renewSentNanos;
  /** The send of the write this term's lease counts from: the renewal, or the persist when F1b skips it. */
  private long leaseFromNanos;
  private long renewDoneNanos;
  private LoadedMark mark;
  private long floor;
  private long highWater;

  private long leaseDeadlineNanos;
  private long nextKeepAliveNanos;
  private boolean frozen;
  private boolean extensionPending;
  private long extensionAskedAtNanos = -1;
  /** H3: keep-alives are held back until {@link #handoffUntilNanos} while leadership is handed over. */
  private boolean handingOff;
  private long handoffUntilNanos;
  private long handoffHoldNanos;
  /** H3: a {@link FenceInput.Handoff} waits for its renewal's answer. */
  private boolean handoffPending;
  /** H3: the event that ended this node's leadership during the handoff; it serves out its lease, then steps down. */
  private LeadershipEvent deposedInHandoff;

  /** Why this node's clock is suspect (C6), or null while its peers agree with it. */
  private String clockSuspect;
  private long yieldedTerm = -1;
  private long nextYieldNanos;

  /** The protocol for node {@code id} with the jittered backoff of production. */
  FenceProtocol(String id, FenceConfig config, Duration ownLease) {
    this(id, config, ownLease, IntervalFunction.ofExponentialRandomBackoff(config.backoffBase(), 2.0, 0.2,
        config.backoffMax()));
  }

  /** The protocol for node {@code id} with the given retry backoff (tests pass one without jitter). */
  FenceProtocol(String id, FenceConfig config, Duration ownLease, IntervalFunction backoff) {
    config.checkAgainstLease(ownLease);
    this.id = id;
    this.windowMillis = config.window().toMillis();
    this.keepAliveNanos = config.keepAliveIntervalFor(ownLease).toNanos();
    this.pollNanos = config.pollInterval().toNanos();
    this.operationTimeoutNanos = config.operationTimeout().toNanos();
    this.retryBudgetNanos = config.retryBudget().toNanos();
    this.driftNanos = config.driftMargin().toNanos();
    this.ownLeaseNanos = ownLease.toNanos();
    this.backoff = backoff;
    this.holdOff = new HoldOff(config.backoffMax().toNanos(), config.retryBudget().toNanos());
    this.freeze = new FreezeEpisode(id);
  }

  /**
   * Test switch for the positive control of the lease-release rule (H2): from now on, treat every load as if the
   * register said the lease was released, so a new leader skips its lease wait without a release. Never set it
   * outside that test: it breaks real-time order.
   */
  void unsafeSkipLeaseWaitWithoutRelease() {
    unsafeSkipLeaseWait = true;
  }

  /**
   * While this node fences a term, when (monotonic nanos) it expects to serve: the end of its lease wait plus one
   * commit (the window renewal that follows). Before the load returns, the wait is estimated from this node's own
   * lease; after it, the wait is known. {@link #NO_ESTIMATE} in every other phase. Any thread may call it.
   */
  long expectedServingAtNanos() {
    return expectedServingAtNanos;
  }

  /** Handles one input at time {@code now}; returns the actions to run, in order (the last one a WakeAt or Exit). */
  List<FenceAction> on(FenceInput input, Now now) {
    if (phase == Phase.STOPPED || phase == Phase.POISONED) {
      return List.of();
    }
    this.now = now;
    this.out = new ArrayList<>();
    if (!started) {
      started = true;
      nextPollNanos = now.monoNanos();
    }
    dispatch(input);
    if (!terminal()) {
      runDue();
    }
    if (!terminal()) {
      out.add(new FenceAction.WakeAt(nextWake()));
    }
    List<FenceAction> result = out;
    this.out = null;
    this.now = null;
    return result;
  }

  /** The current phase. */
  Phase phase() {
    return phase;
  }

  /** The term being fenced or served (-1 before the first fence). */
  long term() {
    return term;
  }

  /** Whether the serving term's lease lapsed (FROZEN). */
  boolean frozen() {
    return phase == Phase.SERVING && frozen;
  }

  /**
   * How many times this node learned of a term newer than any it had seen, after the first one (each election it
   * took part in or heard of; a restart counts from the term it finds). Readable from any thread.
   */
  long termChanges() {
    return termChanges.get();
  }

  /** Freeze episodes so far (readable from any thread). */
  long freezeEpisodes() {
    return freeze.episodes();
  }

  /** How many step-downs in a row in the held-off term (tests). */
  int holdOffCount() {
    return holdOff.count();
  }

  // ------------------------------------------------------------------------------------------------ dispatch

  private void dispatch(FenceInput input) {
    if (input instanceof FenceInput.Leadership l) {
      if (!isStale(l.event())) {
        handle(l.event());
      }
    } else if (input instanceof FenceInput.Polled p) {
      onPolled(p.seen());
    } else if (input instanceof FenceInput.Confirmed c) {
      onConfirmed(c.term(), c.seen());
    } else if (input instanceof FenceInput.ExtensionRequested) {
      onExtension();
    } else if (input instanceof FenceInput.ClockVerdict v) {
      onClockVerdict(v);
    } else if (input instanceof FenceInput.Stop s) {
      onStop(s);
    } else if (input instanceof FenceInput.Handoff h) {
      onHandoff(h);
    } else if (input instanceof FenceInput.Fatal f) {
      poison(f.cause());
    } else if (input instanceof FenceInput.Loaded r) {
      if (awaited(r.call()) != null) {
        onLoaded(r.mark());
      }
    } else if (input instanceof FenceInput.Persisted r) {
      Call c = awaited(r.call());
      if (c != null) {
        onPersisted(c, r.stored());
      }
    } else if (input instanceof FenceInput.Released r) {
      if (awaited(r.call()) != null) {
        log(Level.INFO, "released the lease of term " + term + " (mark " + r.stored() + ")");
        finish(true);
      }
    } else if (input instanceof FenceInput.Failed f) {
      Call c = awaited(f.call());
      if (c != null) {
        onFailed(c, f.error());
      }
    }
  }

  /** The outstanding call if {@code callId} is it (and no longer outstanding), else null. */
  private Call awaited(long callId) {
    if (call == null || call.id() != callId) {
      return null;
    }
    Call c = call;
    call = null;
    return c;
  }

  private void runDue() {
    long t = now.monoNanos();
    if (call != null && t - call.deadlineNanos() >= 0) {
      Call c = call;
      call = null;
      onFailed(c, new ConsensusException(Kind.TRANSIENT, "driver call timed out after "
          + (c.deadlineNanos() - c.sentNanos()) / 1_000_000 + " ms"));
    }
    if (phase == Phase.SETTLING && t - settleUntilNanos >= 0) {
      settled();
    } else if (phase == Phase.BACKOFF && t - retryAtNanos >= 0) {
      sendLoad();
    } else if (phase == Phase.LEASE_WAIT && t - waitUntilNanos >= 0) {
      renewOrOpen();
    } else if (phase == Phase.SERVING && deposedInHandoff != null && t - leaseDeadlineNanos >= 0) {
      LeadershipEvent e = deposedInHandoff;
      stepDown("handed over; its lease ended");
      fromIdle(e);
    } else if (phase == Phase.SERVING) {
      if (!frozen && t - leaseDeadlineNanos >= 0) {
        enterFrozen("no renewal committed within the lease");
      }
      freeze.tick(t, now.leaseRefusals(), out::add);
      if (handingOff && t - handoffUntilNanos >= 0) {
        handingOff = false;
        log(Level.INFO, "still leading term " + term + " " + handoffHoldNanos / 1_000_000
            + " ms after a handoff began; keep-alives resume");
      }
      if (call == null && !handingOff && t - nextKeepAliveNanos >= 0) {
        sendKeepAlive();
      }
    }
    if (!terminal() && phase != Phase.RELEASING && t - nextPollNanos >= 0) {
      nextPollNanos = t + pollNanos;
      out.add(new FenceAction.PollLeadership());
    }
  }

  private long nextWake() {
    if (phase == Phase.RELEASING) {
      // No polls while stopping: only the release's deadline.
      return call != null ? call.deadlineNanos() : now.monoNanos() + pollNanos;
    }
    long w = nextPollNanos;
    if (call != null) {
      w = earlier(w, call.deadlineNanos());
    }
    switch (phase) {
      case SETTLING -> w = earlier(w, settleUntilNanos);
      case BACKOFF -> w = earlier(w, retryAtNanos);
      case LEASE_WAIT -> w = earlier(w, waitUntilNanos);
      case SERVING -> {
        if (call == null) {
          w = earlier(w, handingOff ? handoffUntilNanos : nextKeepAliveNanos);
        }
        if (!frozen) {
          w = earlier(w, leaseDeadlineNanos);
        }
        long quiet = freeze.quietEndNanos();
        if (quiet != Long.MAX_VALUE) {
          w = earlier(w, quiet);
        }
      }
      default -> {
      }
    }
    return w;
  }

  private static long earlier(long a, long b) {
    return a - b <= 0 ? a : b;
  }

  private boolean terminal() {
    return phase == Phase.STOPPED || phase == Phase.POISONED;
  }

  // ------------------------------------------------------------------------------------------------ leadership

  /**
   * Whether {@code e} is older than the newest term this node has seen (a late or reordered notification): such an
   * event describes the past and is dropped (F8). Term 0 means "unknown term" and is never stale.
   */
  private boolean isStale(LeadershipEvent e) {
    if (e.term() > 0 && e.term() < newestTerm) {
      log(Level.DEBUG, "ignored stale " + e + " (newest term seen " + newestTerm + ")");
      return true;
    }
    if (e.term() > newestTerm) {
      if (newestTerm > 0) {
        termChanges.incrementAndGet();
      }
      newestTerm = e.term();
      newestTermSeenNanos = now.monoNanos();
    }
    return false;
  }

  private void handle(LeadershipEvent e) {
    lastSeen = e;
    switch (phase) {
      case IDLE -> fromIdle(e);
      case SETTLING -> settleLatest = e;
      case SERVING -> {
        if (e instanceof LeadershipEvent.Leader && e.term() == term) {
          return;
        }
        if (handingOff && !frozen && !(e instanceof LeadershipEvent.Leader)) {
          // H3: the transfer deposed this node; it serves out the lease it renewed (the new leader waits it out).
          if (deposedInHandoff == null) {
            log(Level.INFO, "leadership handed over (" + e + "); serving out the lease of term " + term + " ("
                + Math.max(0, (leaseDeadlineNanos - now.monoNanos()) / 1_000_000) + " ms left)");
          }
          deposedInHandoff = e;
          return;
        }
        if (e instanceof LeadershipEvent.Leader && holdOff.holds(e.term(), now.monoNanos())) {
          log(Level.DEBUG, "not fencing term " + e.term() + " again yet (hold-off after a step-down in that term)");
          return;
        }
        stepDown("stepped down");
        fromIdle(e);
      }
      case RELEASING -> {
      }
      default -> {
        // Fencing: a repeated Leader(term) is what the fence already acts on; anything else ends it (F2).
        if (e instanceof LeadershipEvent.Leader && e.term() == term) {
          return;
        }
        log(Level.DEBUG, "fence of term " + term + " ended by " + e);
        endFence(FenceOutcome.ABORTED, new ServingState(Status.NOT_SERVING, term, Optional.empty()));
        fromIdle(e);
      }
    }
  }

  private void fromIdle(LeadershipEvent e) {
    if (e instanceof LeadershipEvent.Leader && clockSuspect != null) {
      // C6: elected while the peers see this node's clock run at another rate: never fence, hand leadership away.
      publish(new ServingState(Status.NOT_SERVING, e.term(), Optional.empty()));
      yieldLeadership(e.term());
      return;
    }
    if (e instanceof LeadershipEvent.Leader) {
      if (holdOff.holds(e.term(), now.monoNanos())) {
        log(Level.DEBUG, "not fencing term " + e.term() + " again yet (hold-off after a step-down in that term)");
        return;
      }
      phase = Phase.SETTLING;
      settleFirst = e;
      settleLatest = e;
      settleUntilNanos = now.monoNanos() + SETTLE_NANOS;
    } else {
      publish(new ServingState(Status.NOT_SERVING, e.term(), hint(e)));
    }
  }

  /** The settle period ended: fence the newest event's term, or publish where leadership went (F10). */
  private void settled() {
    phase = Phase.IDLE;
    LeadershipEvent latest = settleLatest;
    if (latest instanceof LeadershipEvent.Leader) {
      if (latest.term() != settleFirst.term() && holdOff.holds(latest.term(), now.monoNanos())) {
        return;
      }
      startFence(latest.term());
    } else {
      publish(new ServingState(Status.NOT_SERVING, latest.term(), hint(latest)));
    }
  }

  /** The safety-net poll: act when the driver's view differs from what this node does (F7 hold-off applies). */
  private void onPolled(LeadershipEvent seen) {
    if (phase != Phase.IDLE && phase != Phase.SERVING) {
      return;
    }
    if (isStale(seen)) {
      return;
    }
    lastSeen = seen;
    long servingTerm = phase == Phase.SERVING ? term : -1;
    boolean mismatch;
    if (seen instanceof LeadershipEvent.Leader) {
      mismatch = seen.term() != servingTerm && !holdOff.holds(seen.term(), now.monoNanos());
    } else {
      mismatch = phase == Phase.SERVING || published.status() == Status.FENCING
          || !published.leaderId().equals(hint(seen));
    }
    if (mismatch) {
      log(Level.DEBUG, "poll saw " + seen + " while serving term " + servingTerm);
      handle(seen);
    }
  }

  private static Optional<String> hint(LeadershipEvent e) {
    return e instanceof LeadershipEvent.Follower f ? f.leaderId() : Optional.empty();
  }

  // ------------------------------------------------------------------------------------------------ the fence

  private void startFence(long t) {
    term = t;
    fenceStartNanos = now.monoNanos();
    electionNanos = t == newestTerm ? fenceStartNanos - newestTermSeenNanos : 0;
    failures = 0;
    publish(new ServingState(Status.FENCING, t, Optional.of(id)));
    sendLoad();
    // Before the load: this node's own lease from now, plus the load, persist and renewal commits (unknown yet).
    expectedServingAtNanos = loadSentNanos + ownLeaseNanos + driftNanos;
  }

  private void sendLoad() {
    phase = Phase.LOADING;
    loadSentNanos = now.monoNanos();
    call = newCall(CallKind.LOAD, operationTimeoutNanos);
    out.add(new FenceAction.Load(call.id(), term));
  }

  private void onLoaded(LoadedMark loaded) {
    loadDoneNanos = now.monoNanos();
    mark = loaded;
    if (unsafeSkipLeaseWait && !loaded.leaseReleased()) {
      log(Level.WARN, "UNSAFE test switch: skipping the lease wait of term " + term + " without a lease release");
      mark = new LoadedMark(loaded.highWater(), loaded.largestLease(), true);
    }
    if (loaded.highWater() >= Timestamp.MAX_PHYSICAL || now.physicalMillis() > Timestamp.MAX_PHYSICAL) {
      // F12: nothing above the mark fits the format. Refusing to serve keeps every promise; poisoning would take
      // down every future leader with the same register.
      out.add(new FenceAction.Log(Level.ERROR, "[" + id + "] cannot serve term " + term + ": the high-water mark "
          + loaded.highWater() + " is at the limit of the timestamp format (physical " + Timestamp.MAX_PHYSICAL
          + " ms, 3084-12-12); no timestamp above it exists. Not serving; the register is unchanged", null));
      holdOff.stepDown(term, now.monoNanos());
      endFence(FenceOutcome.EXHAUSTED, new ServingState(Status.NOT_SERVING, term, Optional.empty()));
      return;
    }
    floor = Math.max(loaded.highWater() + 1, now.physicalMillis());
    // L4: never more than one window ahead of the oracle time, unless the floor itself is (then exactly it).
    long target = Math.min(Timestamp.MAX_PHYSICAL, Math.max(floor, now.physicalMillis() + windowMillis));
    phase = Phase.PERSISTING;
    call = newCall(CallKind.PERSIST, operationTimeoutNanos);
    out.add(new FenceAction.Persist(call.id(), term, target));
  }

  private void onPersisted(Call c, long stored) {
    switch (c.kind()) {
      case PERSIST -> {
        if (stored < floor) {
          poison(new IllegalStateException("driver stored " + stored + " below the requested floor " + floor
              + " in term " + term));
          return;
        }
        highWater = stored;
        persistSentNanos = c.sentNanos();
        persistDoneNanos = now.monoNanos();
        startLeaseWait();
      }
      case RENEW -> {
        highWater = Math.max(highWater, stored);
        renewDoneNanos = now.monoNanos();
        phase = Phase.CONFIRMING;
        out.add(new FenceAction.ConfirmLeadership(term));
      }
      case KEEP_ALIVE -> onKeepAlive(c, stored);
      default -> throw new IllegalStateException("persist reply for a " + c.kind() + " call");
    }
  }

  /**
   * F6, F6b and H2: every earlier leader's lease began before this node's election, so before its load was sent, and
   * lasted at most the largest lease on record; wait that out (plus the drift margin) — or, when the driver says how
   * long before the load the last lease-granting persist was applied, from that apply if it is sooner (F6b) — unless
   * the last lease event in the log is a release, which vouches that no earlier lease is live.
   */
  private void startLeaseWait() {
    long largest = mark.largestLease().toNanos();
    if (mark.leaseReleased()) {
      waitReason = WaitReason.SKIPPED_AFTER_RELEASE;
      waitedLeaseNanos = 0;
      waitUntilNanos = now.monoNanos();
    } else {
      waitReason = largest > ownLeaseNanos ? WaitReason.LARGEST_SEEN : WaitReason.OWN_LEASE;
      waitedLeaseNanos = Math.max(ownLeaseNanos, largest);
      waitUntilNanos = loadSentNanos + waitedLeaseNanos + driftNanos;
      if (mark.sinceLastGrant().isPresent()) {
        // F6b: the load was applied before its reply arrived here, so the last grant was applied at the latest
        // sinceLastGrant before now-at-load-reply; its lease (and every earlier one) ends a lease after that apply.
        long byGrant = loadDoneNanos - mark.sinceLastGrant().get().toNanos() + waitedLeaseNanos + driftNanos;
        if (byGrant - waitUntilNanos < 0) {
          waitUntilNanos = byGrant;
          waitReason = WaitReason.SINCE_LAST_GRANT;
        }
      }
    }
    phase = Phase.LEASE_WAIT;
    // The renewal after the wait takes about as long as the persist just did.
    expectedServingAtNanos = Math.max(waitUntilNanos, now.monoNanos()) + (persistDoneNanos - loadDoneNanos);
  }

  /**
   * F1b: the wait is over. When the persist's own lease (from its send, L1) still has at least two keep-alive
   * intervals left — the wait ended about when the persist committed (after a release, H2, or by F6b) — it is the
   * lease this term serves under and no renewal is written; otherwise a renewal is written first.
   */
  private void renewOrOpen() {
    if (persistSentNanos + ownLeaseNanos - now.monoNanos() >= 2 * keepAliveNanos) {
      leaseFromNanos = persistSentNanos;
      renewSentNanos = now.monoNanos();
      renewDoneNanos = renewSentNanos;
      renewSkipped = true;
      phase = Phase.CONFIRMING;
      out.add(new FenceAction.ConfirmLeadership(term));
      return;
    }
    renewSkipped = false;
    sendRenew();
  }

  private void sendRenew() {
    renewSentNanos = now.monoNanos();
    leaseFromNanos = renewSentNanos;
    phase = Phase.RENEWING;
    call = newCall(CallKind.RENEW, operationTimeoutNanos);
    out.add(new FenceAction.Persist(call.id(), term, slidingTarget()));
  }

  private void onConfirmed(long confirmedTerm, LeadershipEvent seen) {
    if (phase != Phase.CONFIRMING || confirmedTerm != term) {
      return;
    }
    if (!(seen instanceof LeadershipEvent.Leader) || seen.term() != term) {
      log(Level.DEBUG, "fence of term " + term + " ended: the driver now reports " + seen);
      endFence(FenceOutcome.ABORTED, new ServingState(Status.NOT_SERVING, seen.term(), hint(seen)));
      return;
    }
    long servingAt = now.monoNanos();
    leaseDeadlineNanos = leaseFromNanos + ownLeaseNanos;
    // The oracle time continues from one window below the floor, so windows slide from the mark (issue: a mark far
    // ahead of the clock) while a normal failover keeps its bounded lead (L4).
    out.add(new FenceAction.RaiseOracleTime(floor - windowMillis));
    out.add(new FenceAction.OpenAllocator(term, floor, highWater, leaseDeadlineNanos));
    phase = Phase.SERVING;
    frozen = false;
    extensionPending = false;
    extensionAskedAtNanos = -1;
    holdOff.reset();
    nextKeepAliveNanos = servingAt + keepAliveNanos;
    publish(new ServingState(Status.SERVING, term, Optional.of(id)));
    FenceTimings timings = new FenceTimings(term, nanos(electionNanos), nanos(loadDoneNanos - loadSentNanos),
        nanos(persistDoneNanos - loadDoneNanos), nanos(renewSentNanos - persistDoneNanos), waitReason,
        nanos(waitedLeaseNanos), nanos(renewDoneNanos - renewSentNanos), nanos(servingAt - fenceStartNanos),
        failures + 1, floor, highWater);
    log(Level.INFO, "fenced term " + term + ": floor " + floor + " high-water " + highWater + " in "
        + timings.total().toMillis() + " ms (" + timings.summary()
        + (renewSkipped ? "; no renewal: the persist's lease was fresh" : "") + ")");
    out.add(new FenceAction.FenceEnded(FenceOutcome.SERVED, Optional.of(timings)));
  }

  private void onFailed(Call c, ConsensusException e) {
    switch (c.kind()) {
      case KEEP_ALIVE -> keepAliveFailed(e);
      case RELEASE -> {
        log(Level.WARN, "lease release of term " + term + " failed (" + e.getMessage() + "); the next leader "
            + "waits out the lease as after a crash");
        finish(false);
      }
      default -> fenceFailed(e);
    }
  }

  private void fenceFailed(ConsensusException e) {
    if (e.kind() == Kind.NOT_LEADER || e.kind() == Kind.FENCED) {
      log(Level.INFO, "fence of term " + term + " stopped: " + e.getMessage());
      holdOff.stepDown(term, now.monoNanos());
      endFence(FenceOutcome.STEPPED_DOWN, new ServingState(Status.NOT_SERVING, term, Optional.empty()));
      return;
    }
    if (e.kind() == Kind.PERMANENT) {
      poison(e);
      return;
    }
    failures++;
    long delayNanos = TimeUnit.MILLISECONDS.toNanos(backoff.apply(failures));
    long spent = now.monoNanos() - fenceStartNanos;
    if (spent + delayNanos > retryBudgetNanos) {
      log(Level.WARN, "fence of term " + term + " gave up after " + failures + " attempts in " + spent / 1_000_000
          + " ms: " + e.getMessage() + "; not serving until the next leadership event");
      holdOff.stepDown(term, now.monoNanos());
      endFence(FenceOutcome.GAVE_UP, new ServingState(Status.NOT_SERVING, term, Optional.empty()));
      return;
    }
    log(Level.DEBUG, "fence of term " + term + " attempt " + failures + " failed (" + e.getMessage()
        + "); retrying in " + delayNanos / 1_000_000 + " ms");
    phase = Phase.BACKOFF;
    retryAtNanos = now.monoNanos() + delayNanos;
  }

  private void endFence(FenceOutcome outcome, ServingState state) {
    phase = Phase.IDLE;
    call = null;
    publish(state);
    out.add(new FenceAction.FenceEnded(outcome, Optional.empty()));
  }

  // ------------------------------------------------------------------------------------------------ serving

  /** L3: the keep-alive target max(H, now + window), clamped to the format's limit (T1). */
  private long slidingTarget() {
    return Math.min(Timestamp.MAX_PHYSICAL, Math.max(highWater, now.physicalMillis() + windowMillis));
  }

  private void sendKeepAlive() {
    nextKeepAliveNanos = now.monoNanos() + keepAliveNanos;
    extensionPending = false;
    // L3: a write that commits later than one lease renews nothing, so never wait longer for it.
    call = newCall(CallKind.KEEP_ALIVE, Math.min(ownLeaseNanos, operationTimeoutNanos));
    out.add(new FenceAction.Persist(call.id(), term, slidingTarget()));
  }

  /** L1: a committed keep-alive renews the lease from the moment it was sent. */
  private void onKeepAlive(Call c, long stored) {
    long before = highWater;
    highWater = Math.max(highWater, stored);
    long deadline = c.sentNanos() + ownLeaseNanos;
    if (deadline - leaseDeadlineNanos > 0) {
      leaseDeadlineNanos = deadline;
    }
    Optional<ServingState> thaw = Optional.empty();
    if (now.monoNanos() - leaseDeadlineNanos < 0) {
      freeze.renewed(now.monoNanos());
      if (frozen) {
        frozen = false;
        ServingState serving = new ServingState(Status.SERVING, term, Optional.of(id));
        published = serving;
        thaw = Optional.of(serving);
      }
    }
    out.add(new FenceAction.RenewAllocator(term, highWater, deadline, thaw));
    if (extensionAskedAtNanos >= 0 && highWater > before) {
      out.add(new FenceAction.WindowExtended(now.monoNanos() - extensionAskedAtNanos));
      extensionAskedAtNanos = -1;
    }
    answerHandoff(now.monoNanos() - leaseDeadlineNanos < 0);
    if (extensionPending && !handingOff) {
      sendKeepAlive();
    }
  }

  private void keepAliveFailed(ConsensusException e) {
    answerHandoff(false);
    if (e.kind() == Kind.PERMANENT) {
      poison(e);
      return;
    }
    if (e.kind() == Kind.NOT_LEADER || e.kind() == Kind.FENCED) {
      long t = term;
      log(Level.INFO, "stepping down from term " + t + ": " + e.getMessage());
      stepDown("stepped down");
      holdOff.stepDown(t, now.monoNanos());
      publish(new ServingState(Status.NOT_SERVING, t, Optional.empty()));
      return;
    }
    freeze.renewalFailed();
    log(Level.DEBUG, "keep-alive in term " + term + " failed: " + e.getMessage());
    if (!frozen && now.monoNanos() - leaseDeadlineNanos >= 0) {
      enterFrozen(e.getMessage());
    }
    if (extensionPending && !handingOff) {
      sendKeepAlive();
    }
  }

  /**
   * H3: leadership is about to move. A serving node renews its lease at once (an in-flight keep-alive counts) and
   * then holds its keep-alives back for up to the hold, serving on that lease: the next leader's fence waits it out
   * (F6, F6b) exactly as after a crash of this node at the moment the handoff began. Not serving: answered at once.
   */
  private void onHandoff(FenceInput.Handoff h) {
    if (phase != Phase.SERVING || frozen) {
      out.add(new FenceAction.HandoffPrepared(false, 0));
      return;
    }
    answerHandoff(false);
    handingOff = true;
    handoffHoldNanos = h.holdNanos();
    handoffUntilNanos = now.monoNanos() + h.holdNanos();
    handoffPending = true;
    if (call == null) {
      sendKeepAlive();
    }
  }

  private void answerHandoff(boolean renewed) {
    if (handoffPending) {
      handoffPending = false;
      // Without a fresh lease there is nothing to serve through: keep-alives resume, a step-down is immediate.
      handingOff = renewed;
      out.add(new FenceAction.HandoffPrepared(renewed, renewed ? leaseDeadlineNanos : 0));
    }
  }

  /** L2: the lease of the serving term lapsed: FROZEN with the best leader hint, one WARN per episode. */
  private void enterFrozen(String why) {
    frozen = true;
    freeze.lapsed(term, leaseDeadlineNanos, now.leaseRefusals(), why, out::add);
    Optional<String> hint = hint(lastSeen).filter(l -> !l.equals(id));
    publish(new ServingState(Status.FROZEN, term, hint));
  }

  private void onExtension() {
    if (phase != Phase.SERVING || handingOff) {
      return;
    }
    if (extensionAskedAtNanos < 0) {
      extensionAskedAtNanos = now.monoNanos();
    }
    if (call == null) {
      sendKeepAlive();
    } else {
      extensionPending = true;
    }
  }

  /** Leaves SERVING (or nothing to leave): the allocator closes, a freeze episode ends. */
  private void stepDown(String how) {
    answerHandoff(false);
    handingOff = false;
    deposedInHandoff = null;
    if (phase == Phase.SERVING) {
      out.add(new FenceAction.CloseAllocator());
      endFreeze(how);
    }
    phase = Phase.IDLE;
    frozen = false;
    call = null;
    extensionPending = false;
    extensionAskedAtNanos = -1;
  }

  /**
   * Ends the freeze episode, if any, when this node stops serving ({@code how}). A lease that lapsed without this
   * protocol having seen it yet (the step-down is the first input after a pause, and the allocator refused calls
   * meanwhile) gets its episode first: FROZEN line and summary, so those refusals are counted (FreezeEpisode).
   */
  private void endFreeze(String how) {
    if (phase == Phase.SERVING && !frozen && now.monoNanos() - leaseDeadlineNanos >= 0) {
      freeze.lapsed(term, leaseDeadlineNanos, now.leaseRefusals(), "no renewal committed within the lease; noticed "
          + "only as the node left SERVING (" + how + ")", out::add);
    }
    freeze.end(now.monoNanos(), now.leaseRefusals(), how, out::add);
  }

  // ------------------------------------------------------------------------------------------------ clock rate

  /**
   * C6: the peers' view of this node's monotonic clock. Suspect: stop serving (or fencing) at once, and hand
   * leadership away; every later Leader event is refused the same way. Agreeing again: a node that still leads fences
   * anew, as after any election (serving never resumes without a fence).
   */
  private void onClockVerdict(FenceInput.ClockVerdict v) {
    if (!v.suspect()) {
      if (clockSuspect == null) {
        return;
      }
      clockSuspect = null;
      if (phase == Phase.IDLE && lastSeen instanceof LeadershipEvent.Leader) {
        log(Level.INFO, "clock agrees with the peers again; fencing term " + lastSeen.term());
        fromIdle(lastSeen);
      }
      return;
    }
    boolean already = clockSuspect != null;
    clockSuspect = v.reason();
    if (already) {
      return;
    }
    switch (phase) {
      case SERVING -> {
        long t = term;
        log(Level.INFO, "stopped serving term " + t + ": clock suspect (" + v.reason() + ")");
        stepDown("clock suspect");
        publish(new ServingState(Status.NOT_SERVING, t, Optional.empty()));
        yieldLeadership(t);
      }
      case SETTLING -> {
        phase = Phase.IDLE;
        fromIdle(settleLatest);
      }
      case IDLE -> {
        if (lastSeen instanceof LeadershipEvent.Leader) {
          fromIdle(lastSeen);
        }
      }
      case RELEASING, STOPPED, POISONED -> {
      }
      default -> {
        long t = term;
        log(Level.INFO, "fence of term " + t + " ended: clock suspect (" + v.reason() + ")");
        endFence(FenceOutcome.ABORTED, new ServingState(Status.NOT_SERVING, t, Optional.empty()));
        yieldLeadership(t);
      }
    }
  }

  /** Asks the driver to hand leadership of {@code t} away, at most once per {@link #YIELD_RETRY_NANOS}. */
  private void yieldLeadership(long t) {
    if (t == yieldedTerm && now.monoNanos() - nextYieldNanos < 0) {
      return;
    }
    yieldedTerm = t;
    nextYieldNanos = now.monoNanos() + YIELD_RETRY_NANOS;
    log(Level.INFO, "clock suspect: handing leadership of term " + t + " to another member");
    out.add(new FenceAction.YieldLeadership(t));
  }

  /** Why this node's clock is suspect, or empty (tests). */
  Optional<String> clockSuspect() {
    return Optional.ofNullable(clockSuspect);
  }

  // ------------------------------------------------------------------------------------------------ stop, poison

  private void onStop(FenceInput.Stop stop) {
    answerHandoff(false);
    handingOff = false;
    if (phase == Phase.RELEASING) {
      if (!stop.release()) {
        finish(false);
      }
      return;
    }
    if (stop.release() && phase == Phase.SERVING) {
      // H2: stop serving first (the allocator closes at once, A6), then vouch for the lease through the log.
      out.add(new FenceAction.CloseAllocator());
      endFreeze("shut down");
      publish(new ServingState(Status.NOT_SERVING, term, Optional.empty()));
      log(Level.INFO, "stopped serving term " + term + "; releasing its lease (served up to " + highWater + ")");
      phase = Phase.RELEASING;
      call = newCall(CallKind.RELEASE, stop.releaseTimeoutNanos());
      out.add(new FenceAction.Release(call.id(), term, highWater));
      return;
    }
    if (phase.fencing()) {
      out.add(new FenceAction.FenceEnded(FenceOutcome.ABORTED, Optional.empty()));
    }
    finish(false);
  }

  private void finish(boolean released) {
    out.add(new FenceAction.CloseAllocator());
    endFreeze("shut down");
    publish(new ServingState(Status.STOPPED, published.term(), Optional.empty()));
    phase = Phase.STOPPED;
    call = null;
    out.add(new FenceAction.Exit(released));
  }

  private void poison(Throwable cause) {
    if (terminal()) {
      return;
    }
    if (phase.fencing()) {
      out.add(new FenceAction.FenceEnded(FenceOutcome.POISONED, Optional.empty()));
    }
    out.add(new FenceAction.CloseAllocator());
    endFreeze("poisoned");
    publish(new ServingState(Status.POISONED, published.term(), Optional.empty()));
    out.add(new FenceAction.Log(Level.ERROR, "[" + id + "] FATAL: the timestamp oracle is poisoned and will never "
        + "serve again", cause));
    out.add(new FenceAction.Poison(cause));
    phase = Phase.POISONED;
    call = null;
    out.add(new FenceAction.Exit(false));
  }

  // ------------------------------------------------------------------------------------------------ helpers

  private Call newCall(CallKind kind, long timeoutNanos) {
    long t = now.monoNanos();
    return new Call(++nextCallId, kind, t, t + timeoutNanos);
  }

  private void publish(ServingState state) {
    if (state.equals(published)) {
      return;
    }
    if (!published.status().canMoveTo(state.status())) {
      log(Level.DEBUG, "ignored illegal serving-state move " + published + " -> " + state);
      return;
    }
    published = state;
    if (state.status() != Status.FENCING) {
      expectedServingAtNanos = NO_ESTIMATE;
    }
    out.add(new FenceAction.Publish(state));
  }

  private void log(Level level, String message) {
    out.add(new FenceAction.Log(level, "[" + id + "] " + message, null));
  }

  private static Duration nanos(long n) {
    return Duration.ofNanos(Math.max(0, n));
  }
}
