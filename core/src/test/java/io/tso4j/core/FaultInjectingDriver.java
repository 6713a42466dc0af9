package io.tso4j.core;

import io.tso4j.core.ConsensusException.Kind;
import io.tso4j.core.memory.InMemoryDriver;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * A {@link ConsensusDriver} for tests: an {@link InMemoryDriver} underneath, with failures, delays and leadership
 * changes scripted by the test.
 *
 * <p>Everything is deterministic: a scripted failure hits exactly the next matching calls, in call order, and nothing
 * is random. Failures are checked before the call reaches the register underneath, so a failed call changes nothing.
 * Scripts, in the order they are consulted for each call:
 * <ol>
 *   <li>{@link #failAllLoads(Kind)} / {@link #failAllPersists(Kind)}: every call fails with that kind until
 *       {@link #heal()};</li>
 *   <li>{@link #failNextLoads(Kind, int)} / {@link #failNextPersists(Kind, int)}: the next {@code n} calls fail
 *       (several scripts queue up one after another);</li>
 *   <li>{@link #delayNextLoads(int, Duration)} / {@link #delayNextPersists(int, Duration)}: the next {@code n} calls
 *       complete only after the delay (the register is read or written when the delay ends).</li>
 * </ol>
 * {@link #afterInjectedFailure(Runnable)} runs a hook after each injected failure, before the caller sees it (for
 * example to move leadership away quietly, as a real driver that answers NOT_LEADER would).
 *
 * <p>Leadership: {@link #setLeadership} changes it and pushes the event; {@link #setLeadershipQuietly} changes it
 * without an event (a lost or late notification: only the poll notices); {@link #pushEvent} pushes an event without
 * changing it (a stale or repeated notification).
 *
 * <p>Every call is counted and recorded ({@link #calls()}) with the {@link System#nanoTime()} at which it was made.
 * Thread-safe; the listener is never called while a lock of this driver is held.
 */
public final class FaultInjectingDriver implements ConsensusDriver {
  /** The consensus operations. */
  public enum Op {
    /** {@link ConsensusDriver#loadHighWater(long)}. */
    LOAD,
    /** {@link ConsensusDriver#persistHighWater(long, long)}. */
    PERSIST,
    /** {@link ConsensusDriver#releaseLease(long, long)}. */
    RELEASE
  }

  /**
   * One recorded driver call.
   *
   * @param op the operation
   * @param term the term passed by the caller
   * @param atLeast the requested value of a persist (the served-up-to value of a release), -1 for a load
   * @param sentNanos {@link System#nanoTime()} when the call was made
   * @param injected the kind of the injected failure, or empty if the call went to the register
   */
  public record Call(Op op, long term, long atLeast, long sentNanos, Optional<Kind> injected) {
  }

  private final InMemoryDriver inner;
  private final ScheduledExecutorService delayer;
  private final AtomicInteger loadCalls = new AtomicInteger();
  private final AtomicInteger persistCalls = new AtomicInteger();
  private final AtomicInteger injectedFailures = new AtomicInteger();
  private final List<Call> calls = new ArrayList<>();
  private final List<Long> loadedValues = new ArrayList<>();
  private final Deque<Kind> nextLoadFailures = new ArrayDeque<>();
  private final Deque<Kind> nextPersistFailures = new ArrayDeque<>();
  private final Deque<Duration> nextLoadDelays = new ArrayDeque<>();
  private final Deque<Duration> nextPersistDelays = new ArrayDeque<>();
  private Kind allLoadsFail;
  private Kind allPersistsFail;
  private Runnable afterInjectedFailure = () -> { };
  private volatile Consumer<LeadershipEvent> listener = e -> { };
  private final ThreadLocal<Boolean> muted = ThreadLocal.withInitial(() -> false);

  /** A driver with the id, lease and initial leadership given (the leadership is pushed on {@link #start}). */
  public FaultInjectingDriver(String id, Duration leaseDuration, LeadershipEvent initial) {
    this(new InMemoryDriver(id, leaseDuration, initial));
  }

  /** A driver over {@code inner} (for example one that shares its register with other drivers). */
  public FaultInjectingDriver(InMemoryDriver inner) {
    String id = inner.localId();
    this.inner = inner;
    this.delayer = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "fault-driver-delayer-" + id);
      t.setDaemon(true);
      return t;
    });
  }

  // ---------------------------------------------------------------- scripting

  /** The next {@code n} loads fail with {@code kind} (queued after any failures already scripted). */
  public synchronized FaultInjectingDriver failNextLoads(Kind kind, int n) {
    for (int i = 0; i < n; i++) {
      nextLoadFailures.add(kind);
    }
    return this;
  }

  /** The next {@code n} persists fail with {@code kind} (queued after any failures already scripted). */
  public synchronized FaultInjectingDriver failNextPersists(Kind kind, int n) {
    for (int i = 0; i < n; i++) {
      nextPersistFailures.add(kind);
    }
    return this;
  }

  /** Every load fails with {@code kind} until {@link #heal()}. */
  public synchronized FaultInjectingDriver failAllLoads(Kind kind) {
    allLoadsFail = kind;
    return this;
  }

  /** Every persist fails with {@code kind} until {@link #heal()}. */
  public synchronized FaultInjectingDriver failAllPersists(Kind kind) {
    allPersistsFail = kind;
    return this;
  }

  /** The next {@code n} loads complete only after {@code delay}. */
  public synchronized FaultInjectingDriver delayNextLoads(int n, Duration delay) {
    for (int i = 0; i < n; i++) {
      nextLoadDelays.add(delay);
    }
    return this;
  }

  /** The next {@code n} persists complete (and write) only after {@code delay}. */
  public synchronized FaultInjectingDriver delayNextPersists(int n, Duration delay) {
    for (int i = 0; i < n; i++) {
      nextPersistDelays.add(delay);
    }
    return this;
  }

  /** Runs {@code hook} after every injected failure, on the calling thread, before the failure is returned. */
  public synchronized FaultInjectingDriver afterInjectedFailure(Runnable hook) {
    afterInjectedFailure = hook == null ? () -> { } : hook;
    return this;
  }

  /** Drops every scripted failure, delay and hook: from now on calls go straight to the register. */
  public synchronized FaultInjectingDriver heal() {
    nextLoadFailures.clear();
    nextPersistFailures.clear();
    nextLoadDelays.clear();
    nextPersistDelays.clear();
    allLoadsFail = null;
    allPersistsFail = null;
    afterInjectedFailure = () -> { };
    return this;
  }

  // ---------------------------------------------------------------- leadership

  /** Changes the leadership and pushes the event to the listener. */
  public void setLeadership(LeadershipEvent event) {
    inner.setLeadership(event);
  }

  /** Changes the leadership without pushing an event (only {@link #currentLeadership()} shows it). */
  public void setLeadershipQuietly(LeadershipEvent event) {
    muted.set(true);
    try {
      inner.setLeadership(event);
    } finally {
      muted.set(false);
    }
  }

  /** Pushes {@code event} to the listener without changing the leadership (a stale or repeated notification). */
  public void pushEvent(LeadershipEvent event) {
    listener.accept(event);
  }

  // ---------------------------------------------------------------- observation

  /** How many loads were called (failed ones included). */
  public int loadCalls() {
    return loadCalls.get();
  }

  /** How many persists were called (failed ones included). */
  public int persistCalls() {
    return persistCalls.get();
  }

  /** How many calls failed by script. */
  public int injectedFailures() {
    return injectedFailures.get();
  }

  /** Every call so far, in call order. */
  public synchronized List<Call> calls() {
    return List.copyOf(calls);
  }

  /** The high-water marks returned by successful loads, in order. */
  public synchronized List<Long> loadedValues() {
    return List.copyOf(loadedValues);
  }

  /** The high-water mark stored in the register underneath. */
  public long persistedHighWater() {
    return inner.highWater();
  }

  // ---------------------------------------------------------------- ConsensusDriver

  @Override
  public void start(Consumer<LeadershipEvent> listener) {
    this.listener = listener;
    inner.start(e -> {
      if (!muted.get()) {
        listener.accept(e);
      }
    });
  }

  @Override
  public CompletableFuture<LoadedMark> loadHighWater(long term) {
    loadCalls.incrementAndGet();
    Kind fail;
    Duration delay;
    Runnable hook;
    synchronized (this) {
      fail = allLoadsFail != null ? allLoadsFail : nextLoadFailures.poll();
      delay = fail == null ? nextLoadDelays.poll() : null;
      hook = afterInjectedFailure;
      calls.add(new Call(Op.LOAD, term, -1, System.nanoTime(), Optional.ofNullable(fail)));
    }
    if (fail != null) {
      return injected(fail, "load in term " + term, hook);
    }
    if (delay == null) {
      return recordLoad(inner.loadHighWater(term));
    }
    CompletableFuture<LoadedMark> f = new CompletableFuture<>();
    delayer.schedule(() -> recordLoad(inner.loadHighWater(term)).whenComplete((v, e) -> complete(f, v, e)),
        delay.toNanos(), TimeUnit.NANOSECONDS);
    return f;
  }

  @Override
  public CompletableFuture<Long> persistHighWater(long atLeast, long term) {
    persistCalls.incrementAndGet();
    Kind fail;
    Duration delay;
    Runnable hook;
    synchronized (this) {
      fail = allPersistsFail != null ? allPersistsFail : nextPersistFailures.poll();
      delay = fail == null ? nextPersistDelays.poll() : null;
      hook = afterInjectedFailure;
      calls.add(new Call(Op.PERSIST, term, atLeast, System.nanoTime(), Optional.ofNullable(fail)));
    }
    if (fail != null) {
      return injected(fail, "persist " + atLeast + " in term " + term, hook);
    }
    if (delay == null) {
      return inner.persistHighWater(atLeast, term);
    }
    CompletableFuture<Long> f = new CompletableFuture<>();
    delayer.schedule(() -> inner.persistHighWater(atLeast, term).whenComplete((v, e) -> complete(f, v, e)),
        delay.toNanos(), TimeUnit.NANOSECONDS);
    return f;
  }

  @Override
  public CompletableFuture<Long> releaseLease(long term, long servedUpTo) {
    synchronized (this) {
      calls.add(new Call(Op.RELEASE, term, servedUpTo, System.nanoTime(), Optional.empty()));
    }
    return inner.releaseLease(term, servedUpTo);
  }

  private <T> CompletableFuture<T> injected(Kind kind, String what, Runnable hook) {
    injectedFailures.incrementAndGet();
    hook.run();
    return CompletableFuture.failedFuture(new ConsensusException(kind, "injected failure of " + what));
  }

  private CompletableFuture<LoadedMark> recordLoad(CompletableFuture<LoadedMark> f) {
    return f.whenComplete((v, e) -> {
      if (e == null) {
        synchronized (this) {
          loadedValues.add(v.highWater());
        }
      }
    });
  }

  private static <T> void complete(CompletableFuture<T> f, T v, Throwable e) {
    if (e != null) {
      f.completeExceptionally(e instanceof CompletionException && e.getCause() != null
          ? e.getCause() : e);
    } else {
      f.complete(v);
    }
  }

  @Override
  public Duration leaseDuration() {
    return inner.leaseDuration();
  }

  @Override
  public LeadershipEvent currentLeadership() {
    return inner.currentLeadership();
  }

  @Override
  public String localId() {
    return inner.localId();
  }

  /** Closes the register underneath (later calls fail with PERMANENT) and stops the delay thread. */
  @Override
  public void close() {
    inner.close();
    delayer.shutdownNow();
  }

  @Override
  public String toString() {
    return "FaultInjectingDriver[" + inner.localId() + "]";
  }
}
