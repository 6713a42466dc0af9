package io.tso4j.server.core;

import io.github.resilience4j.core.IntervalFunction;
import io.tso4j.server.core.ConsensusException.Kind;
import io.tso4j.server.core.ServingState.Status;
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
 * <p>On {@code Leader(term)}: NOT_SERVING/FENCING → load H through consensus → floor = max(H + 1, now) → persist
 * floor + window in {@code term} → wait one lease (plus a drift margin) after the fence began, so any earlier
 * leader's lease has run out → renew the lease with a keep-alive write → open the allocator → SERVING(term). While
 * serving, a keep-alive write every {@link FenceConfig#keepAliveInterval()} renews the lease and slides the window to
 * now + window. Errors: TRANSIENT → retried with bounded exponential backoff (Resilience4j {@link IntervalFunction}),
 * each wait cut short by a new event or shutdown; an exhausted budget → NOT_SERVING without teardown (the fence is
 * tried again on the next event, or by the poll after a cool-down of one budget); NOT_LEADER/FENCED → NOT_SERVING;
 * PERMANENT or a broken allocator invariant → POISONED and the fatal handler runs.
 *
 * <p>Thread-safety: {@link #start()}, {@link #close()} and {@link #onLeadershipEvent} may be called from any thread;
 * everything else runs on the watch thread.
 */
final class LeaderWatch implements AutoCloseable {
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

  // Owned by the watch thread.
  private Object pending;
  private long servingTerm = -1;
  private long highWater = -1;
  private long nextKeepAliveNanos;
  private long nextPollNanos;
  private long gaveUpTerm = -1;
  private long gaveUpAtNanos;
  private long freezeStartNanos = -1;
  private int freezeFailures;

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
    this.thread = new Thread(this::run, "tso4j-leader-watch-" + id);
    this.thread.setDaemon(true);
  }

  void start() {
    thread.start();
  }

  /** Queues a leadership event; never blocks. */
  void onLeadershipEvent(LeadershipEvent event) {
    signals.offer(event);
  }

  /** Asks for an immediate keep-alive write that extends the window; never blocks. */
  void requestExtension() {
    signals.offer(EXTEND);
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
          onEvent((LeadershipEvent) signal);
        } else if (signal == EXTEND) {
          if (servingTerm >= 0) {
            keepAlive();
          }
        } else {
          onTick();
        }
      }
      allocator.close();
      publisher.publish(new ServingState(Status.STOPPED, publisher.current().term(), Optional.empty()));
    } catch (Fatal f) {
      poison(f.getCause());
    } catch (RuntimeException | Error e) {
      poison(e);
    } catch (InterruptedException e) {
      allocator.close();
      publisher.publish(new ServingState(Status.STOPPED, publisher.current().term(), Optional.empty()));
    }
  }

  /** The next queued signal, or null when a timer (keep-alive or poll) is due. */
  private Object nextSignal() throws InterruptedException {
    if (pending != null) {
      Object p = pending;
      pending = null;
      return p;
    }
    long now = clock.monoNanos();
    long due = nextPollNanos;
    if (servingTerm >= 0) {
      due = Math.min(due, nextKeepAliveNanos);
    }
    long wait = due - now;
    if (wait <= 0) {
      Object s = signals.poll();
      return s;
    }
    return signals.poll(wait, TimeUnit.NANOSECONDS);
  }

  private void onTick() throws Fatal {
    long now = clock.monoNanos();
    if (servingTerm >= 0 && now - nextKeepAliveNanos >= 0) {
      keepAlive();
    }
    now = clock.monoNanos();
    if (now - nextPollNanos >= 0) {
      nextPollNanos = now + config.pollInterval().toNanos();
      LeadershipEvent seen = driver.currentLeadership();
      boolean mismatch;
      if (seen instanceof LeadershipEvent.Leader) {
        boolean cooling = seen.term() == gaveUpTerm
            && now - gaveUpAtNanos < config.retryBudget().toNanos();
        mismatch = seen.term() != servingTerm && !cooling;
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

  private void onEvent(LeadershipEvent event) throws Fatal {
    if (event instanceof LeadershipEvent.Leader) {
      if (event.term() == servingTerm) {
        return;
      }
      stepDown();
      fence(event.term());
    } else {
      stepDown();
      publisher.publish(new ServingState(Status.NOT_SERVING, event.term(), leaderIdOf(event)));
    }
  }

  private static Optional<String> leaderIdOf(LeadershipEvent e) {
    return e instanceof LeadershipEvent.Follower ? ((LeadershipEvent.Follower) e).leaderId() : Optional.empty();
  }

  private void stepDown() {
    allocator.close();
    servingTerm = -1;
    endFreezeEpisode();
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
        long stored = await(driver.persistHighWater(floor + config.window().toMillis(), term));
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
        highWater = stored;
        if (!stillLeaderOf(term)) {
          return;
        }
        try {
          allocator.open(term, floor, highWater, renewSent + driver.leaseDuration().toNanos());
        } catch (IllegalStateException e) {
          throw new Fatal(e);
        }
        servingTerm = term;
        gaveUpTerm = -1;
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
          gaveUpTerm = term;
          gaveUpAtNanos = clock.monoNanos();
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
   * True unless a leadership event other than a repeated Leader(term) is queued, or the driver no longer reports
   * Leader(term).
   */
  private boolean stillLeaderOf(long term) {
    for (Object s : signals) {
      if ((s instanceof LeadershipEvent && !isLeaderOf(s, term)) || s == STOP) {
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

  private void keepAlive() throws Fatal {
    long term = servingTerm;
    nextKeepAliveNanos = clock.monoNanos() + config.keepAliveInterval().toNanos();
    long sent = clock.monoNanos();
    try {
      long target = Math.max(highWater, clock.wallMillis() + config.window().toMillis());
      long stored = await(driver.persistHighWater(target, term));
      highWater = Math.max(highWater, stored);
      allocator.renew(term, highWater, sent + driver.leaseDuration().toNanos());
      endFreezeEpisode();
    } catch (ConsensusException e) {
      if (e.kind() == Kind.PERMANENT) {
        throw new Fatal(e);
      }
      if (e.kind() == Kind.NOT_LEADER || e.kind() == Kind.FENCED) {
        LOG.info("[{}] stepping down from term {}: {}", id, term, e.getMessage());
        stepDown();
        publisher.publish(new ServingState(Status.NOT_SERVING, term, Optional.empty()));
        return;
      }
      if (freezeStartNanos < 0) {
        freezeStartNanos = sent;
        LOG.warn("[{}] lease renewal failing in term {} ({}); frozen once the lease lapses", id, term,
            e.getMessage());
      }
      freezeFailures++;
    }
  }

  private void endFreezeEpisode() {
    if (freezeStartNanos >= 0) {
      LOG.warn("[{}] lease renewal recovered after {} ms and {} failed renewals", id,
          (clock.monoNanos() - freezeStartNanos) / 1_000_000, freezeFailures);
      freezeStartNanos = -1;
      freezeFailures = 0;
    }
  }

  /** Waits for a driver call, classifying a timeout as TRANSIENT. */
  private long await(CompletableFuture<Long> f) throws ConsensusException {
    try {
      return f.get(config.operationTimeout().toNanos(), TimeUnit.NANOSECONDS);
    } catch (TimeoutException e) {
      f.cancel(false);
      throw new ConsensusException(Kind.TRANSIENT, "driver call timed out after " + config.operationTimeout());
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
   * so it is dropped instead of restarting the fence. Extension requests are ignored.
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
      if (isLeaderOf(s, term)) {
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
