package io.tso4j.core;

import io.tso4j.core.ConsensusException.Kind;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the {@link FenceAction}s of the {@link FenceProtocol} against the real components: the driver (whose calls
 * complete asynchronously and come back through the input sink), the allocator, the serving-state publisher, the
 * oracle time, the clock watch, the counters and the listeners. Every action returns at once; nothing here decides
 * anything. Used by the leader watch's thread only (and by tests that run the protocol synchronously).
 */
final class FenceEffects {
  private static final Logger LOG = LoggerFactory.getLogger(FenceProtocol.class);

  private final ConsensusDriver driver;
  private final TimestampAllocator allocator;
  private final ServingStatePublisher publisher;
  private final OracleTime time;
  private final TsoClock clock;
  private final ClockWatch clockWatch;
  private final OracleCounters counters;
  private final Consumer<Throwable> fatalHandler;
  private final Consumer<FenceInput> sink;
  private final List<Consumer<FenceTimings>> fenceListeners = new CopyOnWriteArrayList<>();
  private long wakeAtNanos;
  private boolean exited;
  private boolean released;
  private volatile CompletableFuture<Long> handoffWaiter;

  /**
   * Effects over the given components; driver completions and leadership reads go to {@code sink} (which must not
   * block).
   */
  FenceEffects(ConsensusDriver driver, TimestampAllocator allocator, ServingStatePublisher publisher, OracleTime time,
      TsoClock clock, ClockWatch clockWatch, OracleCounters counters, Consumer<Throwable> fatalHandler,
      Consumer<FenceInput> sink) {
    this.driver = driver;
    this.allocator = allocator;
    this.publisher = publisher;
    this.time = time;
    this.clock = clock;
    this.clockWatch = clockWatch;
    this.counters = counters;
    this.fatalHandler = fatalHandler;
    this.sink = sink;
    this.wakeAtNanos = clock.monoNanos();
  }

  /** Runs {@code actions} in order; an exception stops the batch and propagates (the caller poisons). */
  void execute(List<FenceAction> actions) {
    for (FenceAction a : actions) {
      run(a);
    }
  }

  private void run(FenceAction a) {
    if (a instanceof FenceAction.Load l) {
      reply(driver.loadHighWater(l.term()), l.call(), m -> new FenceInput.Loaded(l.call(), m));
    } else if (a instanceof FenceAction.Persist p) {
      reply(driver.persistHighWater(p.atLeast(), p.term()), p.call(), v -> new FenceInput.Persisted(p.call(), v));
    } else if (a instanceof FenceAction.Release r) {
      reply(driver.releaseLease(r.term(), r.servedUpTo()), r.call(), v -> new FenceInput.Released(r.call(), v));
    } else if (a instanceof FenceAction.PollLeadership) {
      long wall = clock.wallMillis();
      long mono = clock.monoNanos();
      time.rebase(wall, mono);
      clockWatch.observe(wall, mono, time.nowMillis(), allocator.lastPhysical());
      sink.accept(new FenceInput.Polled(driver.currentLeadership()));
    } else if (a instanceof FenceAction.ConfirmLeadership c) {
      sink.accept(new FenceInput.Confirmed(c.term(), driver.currentLeadership()));
    } else if (a instanceof FenceAction.YieldLeadership) {
      driver.yieldLeadership();
    } else if (a instanceof FenceAction.RaiseOracleTime r) {
      time.raiseTo(r.physicalMillis(), clock.wallMillis(), clock.monoNanos());
    } else if (a instanceof FenceAction.OpenAllocator o) {
      allocator.open(o.term(), o.floor(), o.limit(), o.leaseDeadlineNanos());
    } else if (a instanceof FenceAction.RenewAllocator r) {
      if (allocator.renew(r.term(), r.limit(), r.leaseDeadlineNanos())) {
        r.publishIfRenewed().ifPresent(publisher::publish);
      }
    } else if (a instanceof FenceAction.CloseAllocator) {
      allocator.close();
    } else if (a instanceof FenceAction.Publish p) {
      publisher.publish(p.state());
    } else if (a instanceof FenceAction.WakeAt w) {
      wakeAtNanos = w.monoNanos();
    } else if (a instanceof FenceAction.Poison p) {
      allocator.poison();
      Thread t = new Thread(() -> fatalHandler.accept(p.cause()), "tso4j-fatal-" + driver.localId());
      t.setDaemon(false);
      t.start();
    } else if (a instanceof FenceAction.Log l) {
      log(l);
    } else if (a instanceof FenceAction.FenceEnded f) {
      counters.fenceEnded(f.outcome(), f.timings());
      f.timings().ifPresent(this::notifyListeners);
    } else if (a instanceof FenceAction.WindowExtended w) {
      counters.windowExtended(w.latencyNanos());
    } else if (a instanceof FenceAction.HandoffPrepared h) {
      CompletableFuture<Long> w = handoffWaiter;
      if (w != null) {
        w.complete(h.renewed() ? h.leaseDeadlineNanos() : Long.MIN_VALUE);
      }
    } else if (a instanceof FenceAction.Exit e) {
      exited = true;
      released = e.released();
    } else {
      throw new IllegalArgumentException("unknown action " + a);
    }
  }

  private <T> void reply(CompletableFuture<T> f, long call, java.util.function.Function<T, FenceInput> ok) {
    f.whenComplete((v, e) -> sink.accept(e == null ? ok.apply(v) : new FenceInput.Failed(call, classify(e))));
  }

  /** A driver failure as the one error type: a {@link ConsensusException} as it is, anything else TRANSIENT. */
  static ConsensusException classify(Throwable e) {
    Throwable c = e;
    while ((c instanceof CompletionException || c instanceof ExecutionException) && c.getCause() != null) {
      c = c.getCause();
    }
    if (c instanceof ConsensusException ce) {
      return ce;
    }
    return new ConsensusException(Kind.TRANSIENT, "unclassified driver error: " + c, c);
  }

  private void notifyListeners(FenceTimings t) {
    for (Consumer<FenceTimings> l : fenceListeners) {
      try {
        l.accept(t);
      } catch (RuntimeException e) {
        LOG.warn("[{}] fence listener failed", driver.localId(), e);
      }
    }
  }

  private static void log(FenceAction.Log l) {
    switch (l.level()) {
      case DEBUG -> LOG.debug(l.message(), l.cause());
      case INFO -> LOG.info(l.message(), l.cause());
      case WARN -> LOG.warn(l.message(), l.cause());
      case ERROR -> LOG.error(l.message(), l.cause());
      default -> throw new IllegalArgumentException(String.valueOf(l.level()));
    }
  }

  /** Adds a listener of completed fences (called on the leader watch's thread; must return quickly). */
  void addFenceListener(Consumer<FenceTimings> listener) {
    fenceListeners.add(listener);
  }

  /** Removes a fence listener. */
  void removeFenceListener(Consumer<FenceTimings> listener) {
    fenceListeners.remove(listener);
  }

  /** When the protocol wants the next tick (the last {@link FenceAction.WakeAt}). */
  long wakeAtNanos() {
    return wakeAtNanos;
  }

  /** Where the next {@link FenceAction.HandoffPrepared} goes (any thread; the watch thread completes it). */
  void expectHandoff(CompletableFuture<Long> waiter) {
    handoffWaiter = waiter;
  }

  /** Whether the protocol is done ({@link FenceAction.Exit}). */
  boolean exited() {
    return exited;
  }

  /** Whether the exit followed a committed lease release. */
  boolean released() {
    return released;
  }
}
