package io.tso4j.core;

import io.github.resilience4j.core.IntervalFunction;
import io.tso4j.core.ConsensusException.Kind;
import io.tso4j.core.ServingState.Status;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The leader watch: one thread that turns leadership events into a fenced, leased serving window.
 *
 * <p>On {@code Leader(term)}: a short settle (so a burst of flapping events is acted on once, for the newest) →
 * FENCING → load H through consensus → floor = max(H + 1, now) → persist max(floor, now + window) in {@code term} →
 * wait one lease (plus a drift margin) after the fence began, so any earlier leader's lease has run out → renew the
 * lease with a keep-alive write → open the allocator → SERVING(term). While serving, a keep-alive write every {@link
 * FenceConfig#keepAliveInterval()} renews the lease and slides the window to max(H, now + window). When renewals stop
 * committing, the lease lapses: FROZEN (one WARN per episode, a summary when it ends), back to SERVING when a renewal
 * commits. Errors: TRANSIENT → retried with bounded exponential backoff (Resilience4j {@link IntervalFunction}), each
 * wait cut short by a new event or shutdown; an exhausted budget → NOT_SERVING without teardown; NOT_LEADER/FENCED →
 * NOT_SERVING; PERMANENT or a broken allocator invariant → POISONED and the fatal handler runs. After a step-down in a
 * term, that same term is not fenced again for a hold-off that doubles with each repeat (no fence storm when a driver
 * refuses writes but still reports the node as leader). Events older than the newest term seen are ignored.
 *
 * <p>Thread-safety: {@link #start()}, {@link #close()}, {@link #onLeadershipEvent} and the statistics may be called
 * from any thread; everything else runs on the watch thread.
 */
final class LeaderWatch implements AutoCloseable {
  /** How long a Leader event waits for a following event before the fence starts (flap coalescing). */
  static final long SETTLE_NANOS = TimeUnit.MILLISECONDS.toNanos(10);
  /** A wall clock that moves this much more or less than the monotonic ticker between samples is a jump. */
  static final long CLOCK_JUMP_THRESHOLD_MILLIS = 1_000;

  private static final Logger LOG = LoggerFactory.getLogger(LeaderWatch.class);
  private static final Object EXTEND = new Object();
  private static final Object STOP = new Object();

  private final ConsensusDriver driver;
  private final TimestampAllocator allocator;
  private final ServingStatePublisher publisher;
  private final FenceConfig config;
  private final TsoClock clock;
  private final Consumer<Throwable> fatalHandler;
  private final String id;
  private final BlockingQueue<Object> signals = new LinkedBlockingQueue<>();
  private final IntervalFunction backoff;
  private final Thread thread;
  private final FreezeEpisode freeze;
  private final ClockWatch clockWatch;

  // Owned by the watch thread.
  private Object pending;
  private long servingTerm = -1;
  private long highWater = -1;
  private long nextKeepAliveNanos;
  private long nextPollNanos;
  private long newestTerm;
  private long holdOffTerm = -1;
  private long holdOffUntilNanos;
  private int holdOffs;
  private boolean frozen;

  /** Signals that unwind the fence when a leadership event or shutdown arrives mid-wait. */
  private static final class Interrupted extends Exception {
    private static final long serialVersionUID = 1L;

    Interrupted() {
      super(null, null, false, false);
    }
  }

  LeaderWatch(ConsensusDriver driver, TimestampAllocator allocator, ServingStatePublisher publisher,
      FenceConfig config, TsoClock clock, Consumer<Throwable> fatalHandler) {
    this.driver = driver;
    this.allocator = allocator;
    this.publisher = publisher;
    this.config = config;
    this.clock = clock;
    this.fatalHandler = fatalHandler;
    this.id = driver.localId();
    this.backoff = IntervalFunction.ofExponentialRandomBackoff(config.backoffBase(), 2.0, 0.2, config.backoffMax());
    this.freeze = new FreezeEpisode(id);
    this.clockWatch = new ClockWatch(id, CLOCK_JUMP_THRESHOLD_MILLIS,
        config.window().toMillis() + CLOCK_JUMP_THRESHOLD_MILLIS);
    this.thread = new Thread(this::run, "tso4j-leader-watch-" + id);
    this.thread.setDaemon(true);
  }

  void start() {
    thread.start();
  }

  /**
   * Queues a leadership event; never blocks. An event that says this node no longer leads the term it serves closes
   * the allocator at once, on the caller's thread, rather than when the watch gets to it (it may be waiting on a driver
   * call for up to the operation timeout). Closing is always safe: {@link TimestampAllocator#renew} cannot reopen a
   * closed window, and only a completed fence opens one.
   */
  void onLeadershipEvent(LeadershipEvent event) {
    if (!(event instanceof LeadershipEvent.Leader)) {
      long serving = allocator.servingTerm();
      if (serving >= 0 && (event.term() == 0 || event.term() >= serving)) {
        allocator.close();
      }
    }
    signals.offer(event);
  }

  /** Asks for an immediate keep-alive write that extends the window; never blocks. */
  void requestExtension() {
    signals.offer(EXTEND);
  }

  /** Freeze episodes so far. */
  long freezeEpisodes() {
    return freeze.episodes();
  }

  /** The clock watch (its counters may be read from any thread). */
  ClockWatch clockWatch() {
    return clockWatch;
  }

  @Override
  public void close() {
    signals.offer(STOP);
    if (Thread.currentThread() != thread) {
      try {
        thread.join(10_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  private void run() {
    long now = clock.monoNanos();
    nextPollNanos = now;
    try {
      while (true) {
        Object signal = nextSignal();
        if (signal == STOP) {
          break;
        }
        if (signal instanceof LeadershipEvent) {
          LeadershipEvent e = (LeadershipEvent) signal;
          if (!isStale(e)) {
            onEvent(e);
          }
        } else if (signal == EXTEND) {
          if (servingTerm >= 0) {
            keepAlive();
          }
        } else {
          onTick();
        }
      }
      stopped();
    } catch (Fatal f) {
      poison(f.getCause());
    } catch (RuntimeException | Error e) {
      poison(e);
    } catch (InterruptedException e) {
      stopped();
    }
  }

  private void stopped() {
    allocator.close();
    freeze.end(clock.monoNanos(), allocator.leaseRefusals(), "shut down");
    publisher.publish(new ServingState(Status.STOPPED, publisher.current().term(), Optional.empty()));
  }

  /**
   * Whether {@code e} is older than the newest term this node has seen (a late or reordered notification): such an
   * event describes the past and is dropped. Term 0 means "unknown term" and is never stale.
   */
  private boolean isStale(LeadershipEvent e) {
    if (e.term() > 0 && e.term() < newestTerm) {
      LOG.debug("[{}] ignored stale {} (newest term seen {})", id, e, newestTerm);
      return true;
    }
    newestTerm = Math.max(newestTerm, e.term());
    return false;
  }

  /** The next queued signal, or null when a timer (keep-alive, lease deadline or poll) is due. */
  private Object nextSignal() throws InterruptedException {
    if (pending != null) {
      Object p = pending;
      pending = null;
      return p;
    }
    long now = clock.monoNanos();
    long due = nextPollNanos;
    if (servingTerm >= 0) {
      due = earlier(due, nextKeepAliveNanos);
      if (!frozen && allocator.servingTerm() == servingTerm) {
        due = earlier(due, allocator.leaseDeadlineNanos());
      }
    }
    long wait = due - now;
    if (wait <= 0) {
      return signals.poll();
    }
    return signals.poll(wait, TimeUnit.NANOSECONDS);
  }

  private static long earlier(long a, long b) {
    return a - b <= 0 ? a : b;
  }

  private void onTick() throws Fatal {
    long now = clock.monoNanos();
    if (servingTerm >= 0 && !frozen && !allocator.canServe() && allocator.servingTerm() == servingTerm) {
      enterFrozen("no renewal committed within the lease");
    }
    freeze.tick(now, allocator.leaseRefusals());
    if (servingTerm >= 0 && now - nextKeepAliveNanos >= 0) {
      keepAlive();
    }
    now = clock.monoNanos();
    if (now - nextPollNanos >= 0) {
      nextPollNanos = now + config.pollInterval().toNanos();
      clockWatch.observe(clock.wallMillis(), clock.monoNanos(), allocator.lastPhysical());
      LeadershipEvent seen = driver.currentLeadership();
      if (isStale(seen)) {
        return;
      }
      boolean mismatch;
      if (seen instanceof LeadershipEvent.Leader) {
        mismatch = seen.term() != servingTerm && !holdingOff(seen.term(), now);
      } else {
        mismatch = servingTerm >= 0 || publisher.current().status() == Status.FENCING
            || !publisher.current().leaderId().equals(leaderIdOf(seen));
      }
      if (mismatch) {
        LOG.debug("[{}] poll saw {} while serving term {}", id, seen, servingTerm);
        onEvent(seen);
      }
    }
  }

  private boolean holdingOff(long term, long now) {
    return term == holdOffTerm && now - holdOffUntilNanos < 0;
  }

  /** After a step-down in {@code term}, do not fence that term again for a while (doubling per repeat). */
  private void holdOff(long term) {
    holdOffs = term == holdOffTerm ? holdOffs + 1 : 1;
    holdOffTerm = term;
    long base = config.backoffMax().toNanos();
    long nanos = Math.min(config.retryBudget().toNanos(), base << Math.min(holdOffs - 1, 20));
    holdOffUntilNanos = clock.monoNanos() + nanos;
  }

  private void onEvent(LeadershipEvent event) throws Fatal {
    if (event instanceof LeadershipEvent.Leader) {
      if (event.term() == servingTerm) {
        return;
      }
      if (holdingOff(event.term(), clock.monoNanos())) {
        LOG.debug("[{}] not fencing term {} again yet (hold-off after a step-down in that term)", id, event.term());
        return;
      }
      stepDown();
      LeadershipEvent settled;
      try {
        settled = settle(event);
      } catch (Interrupted i) {
        return;
      }
      if (settled instanceof LeadershipEvent.Leader) {
        if (settled.term() != event.term() && holdingOff(settled.term(), clock.monoNanos())) {
          return;
        }
        fence(settled.term());
      } else {
        publisher.publish(new ServingState(Status.NOT_SERVING, settled.term(), leaderIdOf(settled)));
      }
    } else {
      stepDown();
      publisher.publish(new ServingState(Status.NOT_SERVING, event.term(), leaderIdOf(event)));
    }
  }

  /**
   * Waits {@link #SETTLE_NANOS} for more leadership events and returns the newest one, so that Leader → Follower →
   * Leader arriving together costs one fence (of the newest term) instead of three. Never delays a step-down: the
   * allocator is closed by then. Shutdown ends the wait with {@link Interrupted}.
   */
  private LeadershipEvent settle(LeadershipEvent first) throws Interrupted {
    LeadershipEvent latest = first;
    long deadline = clock.monoNanos() + SETTLE_NANOS;
    while (true) {
      long wait = deadline - clock.monoNanos();
      if (wait <= 0) {
        return latest;
      }
      Object s;
      try {
        s = signals.poll(wait, TimeUnit.NANOSECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        pending = STOP;
        throw new Interrupted();
      }
      if (s == STOP) {
        pending = STOP;
        throw new Interrupted();
      }
      if (s instanceof LeadershipEvent && !isStale((LeadershipEvent) s)) {
        latest = (LeadershipEvent) s;
      }
    }
  }

  private static Optional<String> leaderIdOf(LeadershipEvent e) {
    return e instanceof LeadershipEvent.Follower ? ((LeadershipEvent.Follower) e).leaderId() : Optional.empty();
  }

  private void stepDown() {
    allocator.close();
    servingTerm = -1;
    frozen = false;
    freeze.end(clock.monoNanos(), allocator.leaseRefusals(), "stepped down");
  }

  private void fence(long term) throws Fatal {
    publisher.publish(new ServingState(Status.FENCING, term, Optional.of(id)));
    long startNanos = clock.monoNanos();
    int attempt = 0;
    while (true) {
      try {
        long loadSent = clock.monoNanos();
        long loaded = await(driver.loadHighWater(term));
        long floor = Math.max(loaded + 1, clock.wallMillis());
        // L4: never more than one window ahead of this node's clock, unless the floor itself is (then exactly it).
        long target = Math.max(floor, clock.wallMillis() + config.window().toMillis());
        long stored = await(driver.persistHighWater(target, term));
        if (stored < floor) {
          throw new Fatal(new IllegalStateException("driver stored " + stored + " below the requested floor "
              + floor + " in term " + term));
        }
        highWater = stored;
        // Any earlier leader's lease began before our election, so before loadSent; wait it out.
        waitUntil(loadSent + driver.leaseDuration().toNanos() + config.driftMargin().toNanos(), term);
        long renewSent = clock.monoNanos();
        stored = await(driver.persistHighWater(Math.max(highWater, clock.wallMillis() + config.window().toMillis()),
            term));
        highWater = Math.max(highWater, stored);
        if (!stillLeaderOf(term)) {
          return;
        }
        try {
          allocator.open(term, floor, highWater, renewSent + driver.leaseDuration().toNanos());
        } catch (IllegalStateException e) {
          throw new Fatal(e);
        }
        servingTerm = term;
        holdOffTerm = -1;
        holdOffs = 0;
        nextKeepAliveNanos = clock.monoNanos() + config.keepAliveInterval().toNanos();
        publisher.publish(new ServingState(Status.SERVING, term, Optional.of(id)));
        LOG.info("[{}] fenced term {}: floor {} high-water {} in {} ms", id, term, floor, highWater,
            (clock.monoNanos() - startNanos) / 1_000_000);
        return;
      } catch (Interrupted i) {
        publisher.publish(new ServingState(Status.NOT_SERVING, term, Optional.empty()));
        return;
      } catch (ConsensusException e) {
        if (e.kind() == Kind.NOT_LEADER || e.kind() == Kind.FENCED) {
          LOG.info("[{}] fence of term {} stopped: {}", id, term, e.getMessage());
          holdOff(term);
          publisher.publish(new ServingState(Status.NOT_SERVING, term, Optional.empty()));
          return;
        }
        if (e.kind() == Kind.PERMANENT) {
          throw new Fatal(e);
        }
        attempt++;
        long delayNanos = TimeUnit.MILLISECONDS.toNanos(backoff.apply(attempt));
        long spent = clock.monoNanos() - startNanos;
        if (spent + delayNanos > config.retryBudget().toNanos()) {
          LOG.warn("[{}] fence of term {} gave up after {} attempts in {} ms: {}; not serving until the next "
              + "leadership event", id, term, attempt, spent / 1_000_000, e.getMessage());
          holdOff(term);
          publisher.publish(new ServingState(Status.NOT_SERVING, term, Optional.empty()));
          return;
        }
        LOG.debug("[{}] fence of term {} attempt {} failed ({}); retrying in {} ms", id, term, attempt,
            e.getMessage(), delayNanos / 1_000_000);
        try {
          waitUntil(clock.monoNanos() + delayNanos, term);
        } catch (Interrupted i) {
          publisher.publish(new ServingState(Status.NOT_SERVING, term, Optional.empty()));
          return;
        }
      }
    }
  }

  /**
   * True unless a leadership event other than a repeated Leader(term) (or a stale one) is queued, or the driver no
   * longer reports Leader(term).
   */
  private boolean stillLeaderOf(long term) {
    for (Object s : signals) {
      if (s == STOP || (s instanceof LeadershipEvent && !isLeaderOf(s, term) && !olderThan(s, term))) {
        publisher.publish(new ServingState(Status.NOT_SERVING, term, Optional.empty()));
        return false;
      }
    }
    LeadershipEvent now = driver.currentLeadership();
    if (!(now instanceof LeadershipEvent.Leader) || now.term() != term) {
      publisher.publish(new ServingState(Status.NOT_SERVING, now.term(), leaderIdOf(now)));
      return false;
    }
    return true;
  }

  /** Whether {@code signal} is a leadership event of a known term older than {@code term}. */
  private static boolean olderThan(Object signal, long term) {
    long t = ((LeadershipEvent) signal).term();
    return t > 0 && t < term;
  }

  /**
   * One keep-alive: persist max(H, now + window) in the serving term and, once committed, renew the lease from the
   * moment it was sent. The wait is bounded by the lease: a write that commits later renews nothing (its lease would
   * already be over), so the watch moves on and the next keep-alive is sent.
   */
  private void keepAlive() throws Fatal {
    long term = servingTerm;
    nextKeepAliveNanos = clock.monoNanos() + config.keepAliveInterval().toNanos();
    long sent = clock.monoNanos();
    long lease = driver.leaseDuration().toNanos();
    try {
      long target = Math.max(highWater, clock.wallMillis() + config.window().toMillis());
      long stored = await(driver.persistHighWater(target, term), Math.min(lease, config.operationTimeout().toNanos()));
      highWater = Math.max(highWater, stored);
      if (!allocator.renew(term, highWater, sent + lease)) {
        // Closed under us by a step-down event; the queued event is handled next.
        return;
      }
      if (allocator.canServe()) {
        freeze.renewed(clock.monoNanos());
        if (frozen) {
          frozen = false;
          publisher.publish(new ServingState(Status.SERVING, term, Optional.of(id)));
        }
      }
    } catch (ConsensusException e) {
      if (e.kind() == Kind.PERMANENT) {
        throw new Fatal(e);
      }
      if (e.kind() == Kind.NOT_LEADER || e.kind() == Kind.FENCED) {
        LOG.info("[{}] stepping down from term {}: {}", id, term, e.getMessage());
        stepDown();
        holdOff(term);
        publisher.publish(new ServingState(Status.NOT_SERVING, term, Optional.empty()));
        return;
      }
      freeze.renewalFailed();
      LOG.debug("[{}] keep-alive in term {} failed: {}", id, term, e.getMessage());
      if (!frozen && !allocator.canServe() && allocator.servingTerm() == term) {
        enterFrozen(e.getMessage());
      }
    }
  }

  /** The lease of the serving term lapsed: publish FROZEN with the best leader hint and start an episode. */
  private void enterFrozen(String why) {
    frozen = true;
    freeze.lapsed(servingTerm, clock.monoNanos(), allocator.leaseRefusals(), why);
    LeadershipEvent seen = driver.currentLeadership();
    Optional<String> hint = leaderIdOf(seen).filter(l -> !l.equals(id));
    publisher.publish(new ServingState(Status.FROZEN, servingTerm, hint));
  }

  /** Waits for a driver call for up to the operation timeout, classifying a timeout as TRANSIENT. */
  private long await(CompletableFuture<Long> f) throws ConsensusException {
    return await(f, config.operationTimeout().toNanos());
  }

  /** Waits for a driver call for up to {@code timeoutNanos}, classifying a timeout as TRANSIENT. */
  private long await(CompletableFuture<Long> f, long timeoutNanos) throws ConsensusException {
    try {
      return f.get(timeoutNanos, TimeUnit.NANOSECONDS);
    } catch (TimeoutException e) {
      f.cancel(false);
      throw new ConsensusException(Kind.TRANSIENT, "driver call timed out after " + timeoutNanos / 1_000_000 + " ms");
    } catch (ExecutionException e) {
      Throwable c = e.getCause();
      if (c instanceof ConsensusException) {
        throw (ConsensusException) c;
      }
      throw new ConsensusException(Kind.TRANSIENT, "unclassified driver error: " + c, c);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ConsensusException(Kind.PERMANENT, "leader watch interrupted");
    }
  }

  /**
   * Waits until {@code deadlineNanos} while fencing {@code term}; a leadership event or shutdown that arrives
   * meanwhile is kept for the loop and ends the wait with {@link Interrupted}. A repeated Leader(term) (drivers may
   * repeat events, and the poll and the push both report the same election) is what the fence is already acting on,
   * so it is dropped instead of restarting the fence; so is an event of an older term. Extension requests are ignored.
   */
  private void waitUntil(long deadlineNanos, long term) throws Interrupted {
    while (true) {
      long wait = deadlineNanos - clock.monoNanos();
      if (wait <= 0) {
        return;
      }
      Object s;
      try {
        s = signals.poll(wait, TimeUnit.NANOSECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        pending = STOP;
        throw new Interrupted();
      }
      if (isLeaderOf(s, term) || (s instanceof LeadershipEvent && isStale((LeadershipEvent) s))) {
        continue;
      }
      if (s instanceof LeadershipEvent || s == STOP) {
        pending = s;
        throw new Interrupted();
      }
    }
  }

  private static boolean isLeaderOf(Object signal, long term) {
    return signal instanceof LeadershipEvent.Leader && ((LeadershipEvent.Leader) signal).term() == term;
  }

  private void poison(Throwable cause) {
    allocator.poison();
    servingTerm = -1;
    publisher.publish(new ServingState(Status.POISONED, publisher.current().term(), Optional.empty()));
    LOG.error("[{}] FATAL: the timestamp oracle is poisoned and will never serve again", id, cause);
    Thread t = new Thread(() -> fatalHandler.accept(cause), "tso4j-fatal-" + id);
    t.setDaemon(false);
    t.start();
  }

  /** A fatal error unwinding the watch loop. */
  private static final class Fatal extends Exception {
    private static final long serialVersionUID = 1L;

    Fatal(Throwable cause) {
      super(cause);
    }
  }
}
