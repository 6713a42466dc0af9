package io.tso4j.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.tso4j.timestamp.Timestamp;
import io.tso4j.core.ConsensusException.Kind;
import io.tso4j.core.FaultInjectingDriver.Call;
import io.tso4j.core.FaultInjectingDriver.Op;
import io.tso4j.core.RefusedException.Reason;
import io.tso4j.core.ServingState.Status;
import io.tso4j.core.memory.InMemoryDriver;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Predicate;
import org.awaitility.core.ConditionFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

/**
 * The leader watch's loop with real threads and the system clock, through {@link TimestampOracle} over a {@link
 * FaultInjectingDriver}: what only the loop can show (asynchronous driver replies and timeouts, the step-down on the
 * caller's thread, races with request threads, thread lifecycle, real lease waits, stop and release). Every decision
 * row of docs/correctness.md is checked deterministically in {@link FenceProtocolTest}.
 */
final class LeaderWatchTest {
  private static final Duration LEASE = Duration.ofMillis(60);
  /** Long enough that the test thread always gets its step-down in while the term-2 fence waits out the lease. */
  private static final Duration FLAP_LEASE = Duration.ofMillis(300);
  private static final FenceConfig CONFIG = FenceProtocolTest.CONFIG;

  /** One published state and when it was published ({@link System#nanoTime()}). */
  private record Seen(ServingState state, long atNanos) {
  }

  private final List<Seen> seen = new CopyOnWriteArrayList<>();
  private final AtomicInteger fatalCalls = new AtomicInteger();
  private final AtomicReference<Throwable> fatalCause = new AtomicReference<>();
  private final List<AutoCloseable> toClose = new ArrayList<>();
  private String id;
  private FaultInjectingDriver driver;
  private TimestampOracle oracle;

  @BeforeEach
  void name(TestInfo info) {
    id = info.getTestMethod().orElseThrow().getName();
  }

  @AfterEach
  void closeAll() throws Exception {
    for (int i = toClose.size() - 1; i >= 0; i--) {
      toClose.get(i).close();
    }
  }

  // ------------------------------------------------------------------ helpers

  private FaultInjectingDriver driver(LeadershipEvent initial, Duration lease) {
    driver = new FaultInjectingDriver(id, lease, initial);
    toClose.add(driver);
    return driver;
  }

  private TimestampOracle start(TsoClock clock) throws ConsensusException {
    oracle = new TimestampOracle(driver, CONFIG, clock, t -> {
      fatalCause.set(t);
      fatalCalls.incrementAndGet();
    });
    toClose.add(oracle);
    oracle.addListener(s -> seen.add(new Seen(s, System.nanoTime())));
    oracle.start();
    return oracle;
  }

  private TimestampOracle start() throws ConsensusException {
    return start(TsoClock.system());
  }

  private static ConditionFactory within(long millis) {
    return await().atMost(Duration.ofMillis(millis)).pollInterval(Duration.ofMillis(2))
        .pollDelay(Duration.ZERO);
  }

  private List<ServingState> states() {
    return seen.stream().map(Seen::state).toList();
  }

  private static boolean is(ServingState s, Status status, long term) {
    return s.status() == status && s.term() == term;
  }

  /** Index of the first published state at or after {@code from} that matches, or -1. */
  private int indexOf(Predicate<ServingState> p, int from) {
    List<ServingState> l = states();
    for (int i = Math.max(0, from); i < l.size(); i++) {
      if (p.test(l.get(i))) {
        return i;
      }
    }
    return -1;
  }

  /** Waits until SERVING(term) is the current state and has reached the recording listener. */
  private void awaitServing(long term) {
    within(3_000).until(() -> is(oracle.state(), Status.SERVING, term)
        && indexOf(s -> is(s, Status.SERVING, term), 0) >= 0);
  }

  /** Waits until the start-up follower state of {@code term} (leader "other") is published. */
  private void awaitFollowing(long term) {
    within(3_000).until(() -> is(oracle.state(), Status.NOT_SERVING, term)
        && oracle.state().leaderId().equals(Optional.of("other")));
  }

  /** Waits until a state matching {@code p} is published at or after index {@code from}; returns its index. */
  private int awaitPublished(Predicate<ServingState> p, int from) {
    within(3_000).until(() -> indexOf(p, from) >= 0);
    return indexOf(p, from);
  }

  private Grant allocateNow(int count) throws RefusedException {
    return oracle.allocate(count);
  }

  private Grant awaitGrant(int count) {
    AtomicReference<Grant> g = new AtomicReference<>();
    within(3_000).until(() -> {
      try {
        g.set(oracle.allocate(count));
        return true;
      } catch (RefusedException e) {
        return false;
      }
    });
    return g.get();
  }

  private Reason refusal(int count) {
    try {
      Grant g = oracle.allocate(count);
      throw new AssertionError("expected a refusal, got " + g);
    } catch (RefusedException e) {
      return e.reason();
    }
  }

  private boolean watchThreadAlive() {
    String name = "tso4j-leader-watch-" + id;
    return Thread.getAllStackTraces().keySet().stream().anyMatch(t -> t.getName().equals(name) && t.isAlive());
  }

  private void assertNotTornDown() {
    assertThat(oracle.state().status()).isNotIn(Status.POISONED, Status.STOPPED);
    assertThat(fatalCalls).hasValue(0);
    assertThat(watchThreadAlive()).as("leader watch still running").isTrue();
  }

  /** Checks every consecutive pair of published states is a legal move and nothing serves after POISONED. */
  static void assertLegalTransitions(List<ServingState> states) {
    boolean poisoned = false;
    for (int i = 1; i < states.size(); i++) {
      ServingState prev = states.get(i - 1);
      ServingState next = states.get(i);
      if (!prev.status().canMoveTo(next.status())) {
        throw new AssertionError("illegal move " + prev + " -> " + next + " at " + i + " in " + states);
      }
      poisoned |= prev.status() == Status.POISONED;
      if (poisoned && next.status() != Status.POISONED && next.status() != Status.STOPPED) {
        throw new AssertionError("left POISONED for " + next + " at " + i + " in " + states);
      }
      if (next.status() == Status.FROZEN && !((prev.status() == Status.SERVING || prev.status() == Status.FROZEN)
          && prev.term() == next.term())) {
        throw new AssertionError("FROZEN(" + next.term() + ") not right after SERVING of that term: " + prev
            + " -> " + next + " in " + states);
      }
      if (next.status() == Status.SERVING && !(prev.status() == Status.FENCING && prev.term() == next.term())
          && !(prev.status() == Status.SERVING && prev.term() == next.term())
          && !(prev.status() == Status.FROZEN && prev.term() == next.term())) {
        throw new AssertionError("SERVING(" + next.term() + ") not right after FENCING of that term: " + prev
            + " -> " + next + " in " + states);
      }
    }
  }

  // ------------------------------------------------------------------ transient errors

  @Test
  void transientPersistErrorRetriesThenServes() throws Exception {
    driver(new LeadershipEvent.Leader(2), LEASE).failNextPersists(Kind.TRANSIENT, 2);
    start();
    awaitServing(2);
    assertThat(driver.injectedFailures()).isEqualTo(2);
    assertThat(driver.persistCalls()).isGreaterThanOrEqualTo(4);
    int fencing = indexOf(s -> is(s, Status.FENCING, 2), 0);
    int serving = indexOf(s -> is(s, Status.SERVING, 2), 0);
    assertThat(fencing).isNotNegative().isLessThan(serving);
    assertThat(serving).as("retried in place: nothing published between FENCING and SERVING")
        .isEqualTo(fencing + 1);
    assertThat(allocateNow(1).term()).isEqualTo(2);
    assertNotTornDown();
  }

  @Test
  void hungDriverCallTimesOutAndIsRetried() throws Exception {
    driver(new LeadershipEvent.Leader(2), LEASE).delayNextPersists(1, Duration.ofSeconds(2));
    start();
    awaitServing(2);
    assertThat(driver.loadCalls()).as("the fence started over after the timeout").isGreaterThanOrEqualTo(2);
    assertThat(allocateNow(1).term()).isEqualTo(2);
    assertNotTornDown();
  }

  /** Collects grants on a background thread (bounded in time) until stopped. */
  private final class Hammer implements AutoCloseable {
    final ConcurrentLinkedQueue<Grant> grants = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean stop = new AtomicBoolean();
    private final Thread thread;

    Hammer() {
      thread = new Thread(() -> {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (!stop.get() && System.nanoTime() < end) {
          try {
            grants.add(oracle.allocate(1));
          } catch (RefusedException e) {
            Thread.onSpinWait();
          }
        }
      }, "hammer-" + id);
      thread.start();
    }

    /** Stops the thread and waits for it (at most 5 s). */
    void stop() throws InterruptedException {
      stop.set(true);
      thread.join(5_000);
    }

    @Override
    public void close() {
      try {
        stop();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  @Test
  void leadershipFlapNeverServesAtOldTerm() throws Exception {
    driver(InMemoryDriver.follower(1, "other"), FLAP_LEASE);
    start();
    awaitFollowing(1);
    try (Hammer hammer = new Hammer()) {
      driver.setLeadership(new LeadershipEvent.Leader(2));
      // Let the term-2 fence get past its fence write, into the lease wait, before the step-down arrives. The
      // Follower notification comes before the register refuses term-2 writes (notifications and the state machine
      // are not synchronised), so only the watch itself can keep term 2 from serving.
      within(3_000).until(() -> driver.calls().stream()
          .anyMatch(c -> c.op() == Op.PERSIST && c.term() == 2 && c.injected().isEmpty()));
      int afterFollower = seen.size();
      driver.pushEvent(InMemoryDriver.follower(2, "other"));
      awaitPublished(s -> s.status() == Status.NOT_SERVING || s.status() == Status.SERVING, afterFollower);
      driver.setLeadership(new LeadershipEvent.Leader(3));
      awaitServing(3);
      within(3_000).until(() -> hammer.grants.size() >= 100);
      hammer.stop();

      assertThat(indexOf(s -> is(s, Status.SERVING, 2), afterFollower)).as("SERVING(2) after Follower(2): %s",
          states()).isEqualTo(-1);
      assertThat(hammer.grants).as("every grant carries term 3").allMatch(g -> g.term() == 3);
      assertServesOnlyTerm(3);
    }
  }

  private void assertServesOnlyTerm(long term) throws RefusedException {
    int servingAt = indexOf(s -> is(s, Status.SERVING, term), 0);
    assertThat(indexOf(s -> s.status() == Status.SERVING && s.term() != term, servingAt)).isEqualTo(-1);
    for (int i = 0; i < 50; i++) {
      assertThat(allocateNow(1).term()).isEqualTo(term);
    }
    assertLegalTransitions(states());
  }

  // ------------------------------------------------------------------ fatal errors

  @Test
  void permanentErrorPoisonsServingAndEndsTheWatch() throws Exception {
    driver(new LeadershipEvent.Leader(2), LEASE).failNextPersists(Kind.PERMANENT, 1);
    start();
    within(3_000).until(() -> oracle.state().status() == Status.POISONED);
    assertThat(refusal(1)).isEqualTo(Reason.POISONED);
    within(3_000).until(() -> fatalCalls.get() == 1);
    assertThat(fatalCause.get()).isInstanceOf(ConsensusException.class);
    assertThat(((ConsensusException) fatalCause.get()).kind()).isEqualTo(Kind.PERMANENT);
    within(3_000).until(() -> !watchThreadAlive());

    int calls = driver.calls().size();
    driver.setLeadership(new LeadershipEvent.Leader(3));
    await().during(Duration.ofMillis(150)).atMost(Duration.ofSeconds(1)).pollInterval(Duration.ofMillis(10))
        .until(() -> driver.calls().size() == calls && oracle.state().status() == Status.POISONED);
    assertThat(refusal(1)).isEqualTo(Reason.POISONED);
    assertThat(fatalCalls).as("the fatal handler runs once").hasValue(1);
    assertLegalTransitions(states());
  }

  @Test
  void keepAliveFailureFreezesThenRecoversWhenHealed() throws Exception {
    driver(new LeadershipEvent.Leader(2), LEASE);
    start();
    awaitServing(2);
    Grant before = allocateNow(1);
    driver.failAllPersists(Kind.TRANSIENT);
    AtomicReference<Reason> reason = new AtomicReference<>();
    within(3_000).until(() -> {
      try {
        oracle.allocate(1);
        return false;
      } catch (RefusedException e) {
        reason.set(e.reason());
        return true;
      }
    });
    assertThat(reason.get()).isEqualTo(Reason.LEASE_EXPIRED);
    assertThat(refusal(1)).isEqualTo(Reason.LEASE_EXPIRED);
    within(3_000).until(() -> is(oracle.state(), Status.FROZEN, 2));
    assertThat(oracle.state().leaderId()).as("no hint that points back at the frozen node").isEmpty();
    assertNotTornDown();

    driver.heal();
    Grant after = awaitGrant(1);
    assertThat(after.term()).isEqualTo(2);
    assertThat(after.first()).isGreaterThan(before.last());
    within(3_000).until(() -> is(oracle.state(), Status.SERVING, 2));
    assertThat(oracle.stats().freezeEpisodes()).as("one episode").isEqualTo(1);
    assertThat(oracle.stats().leaseRefusals()).as("refusals counted").isGreaterThanOrEqualTo(2);
    assertThat(states()).extracting(ServingState::status).containsSubsequence(Status.SERVING, Status.FROZEN,
        Status.SERVING);
    assertLegalTransitions(states());
    assertNotTornDown();
  }

  @Test
  void newLeaderWaitsOneLeaseAfterFenceBeforeServing() throws Exception {
    Duration lease = Duration.ofMillis(150);
    driver(InMemoryDriver.follower(1, "other"), lease);
    start();
    awaitFollowing(1);
    AtomicLong firstGrantNanos = new AtomicLong();
    Thread grabber = new Thread(() -> {
      long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
      while (System.nanoTime() < end) {
        try {
          oracle.allocate(1);
          firstGrantNanos.set(System.nanoTime());
          return;
        } catch (RefusedException e) {
          Thread.onSpinWait();
        }
      }
    }, "first-grant");
    grabber.start();
    driver.setLeadership(new LeadershipEvent.Leader(2));
    awaitServing(2);
    grabber.join(5_000);
    assertThat(firstGrantNanos.get()).isNotZero();

    long servingAt = seen.get(indexOf(s -> is(s, Status.SERVING, 2), 0)).atNanos();
    long lastLoad = lastCallBefore(Op.LOAD, 2, servingAt).sentNanos();
    assertThat(servingAt - lastLoad).as("SERVING after the fence's load").isGreaterThanOrEqualTo(lease.toNanos());
    assertThat(firstGrantNanos.get() - lastLoad).as("first grant after the fence's load")
        .isGreaterThanOrEqualTo(lease.toNanos());

    // A re-election waits again.
    int mark = seen.size();
    driver.setLeadership(new LeadershipEvent.Leader(3));
    awaitServing(3);
    long servingAt3 = seen.get(indexOf(s -> is(s, Status.SERVING, 3), mark)).atNanos();
    long load3 = lastCallBefore(Op.LOAD, 3, servingAt3).sentNanos();
    assertThat(servingAt3 - load3).isGreaterThanOrEqualTo(lease.toNanos());
  }

  private Call lastCallBefore(Op op, long term, long nanos) {
    Call last = null;
    for (Call c : driver.calls()) {
      if (c.op() == op && c.term() == term && c.sentNanos() - nanos <= 0) {
        last = c;
      }
    }
    assertThat(last).as(op + " in term " + term).isNotNull();
    return last;
  }

  // ------------------------------------------------------------------ monotonicity across terms

  @Test
  void grantsAfterReElectionAreAboveEarlierGrantsAndLoadedHighWater() throws Exception {
    driver(new LeadershipEvent.Leader(2), LEASE);
    start();
    awaitServing(2);
    long maxLast = -1;
    for (int i = 0; i < 200; i++) {
      maxLast = Math.max(maxLast, allocateNow(1 + i * 1_000).last());
    }
    int loadsBefore = driver.loadedValues().size();
    driver.setLeadership(new LeadershipEvent.Leader(3));
    awaitServing(3);
    List<Long> loaded = driver.loadedValues();
    assertThat(loaded).hasSizeGreaterThan(loadsBefore);
    long highWater = loaded.get(loaded.size() - 1);
    assertThat(highWater).as("term 2's grants are below its persisted limit")
        .isGreaterThanOrEqualTo(Timestamp.physicalOf(maxLast));
    for (int i = 0; i < 200; i++) {
      // The new term's window starts at most one window ahead of the clock (L4), so heavy borrowing may have to
      // wait for an extension: retry refusals.
      Grant g = awaitGrant(1 + i * 1_000);
      assertThat(g.term()).isEqualTo(3);
      assertThat(g.first()).isGreaterThan(maxLast);
      assertThat(Timestamp.physicalOf(g.first())).as("above the loaded high-water mark").isGreaterThan(highWater);
    }
  }

  @Test
  void reElectionOnANodeWithASlowClockStaysAboveEarlierGrants() throws Exception {
    driver(new LeadershipEvent.Leader(2), LEASE);
    TimestampOracle first = start();
    awaitServing(2);
    long maxLast = -1;
    for (int i = 0; i < 100; i++) {
      // Refusals (a 60 ms lease can lapse on a busy machine) are retried: this test is about order.
      maxLast = Math.max(maxLast, awaitGrant(10).last());
    }
    first.close();
    assertThat(first.state().status()).isEqualTo(Status.STOPPED);

    // The next leader's wall clock is 10 s behind; it shares the replicated register.
    seen.clear();
    driver.setLeadershipQuietly(new LeadershipEvent.Leader(3));
    start(TsoClock.systemWithOffset(-10_000));
    awaitServing(3);
    for (int i = 0; i < 100; i++) {
      Grant g = awaitGrant(10);
      assertThat(g.term()).isEqualTo(3);
      assertThat(g.first()).isGreaterThan(maxLast);
      maxLast = g.last();
    }
  }

  // ------------------------------------------------------------------ serving-state transitions

  @Test
  void servingStatusTransitionsAreLegal() throws Exception {
    driver(new LeadershipEvent.Leader(2), LEASE);
    start();
    awaitServing(2);
    driver.setLeadership(InMemoryDriver.follower(2, "other"));
    driver.setLeadership(new LeadershipEvent.Leader(3));
    awaitServing(3);
    driver.failNextPersists(Kind.FENCED, 1)
        .afterInjectedFailure(() -> driver.setLeadershipQuietly(InMemoryDriver.follower(4, "other")));
    int mark = seen.size();
    awaitPublished(s -> s.status() == Status.NOT_SERVING, mark);
    driver.heal();
    driver.setLeadership(new LeadershipEvent.Leader(5));
    awaitServing(5);
    driver.failNextPersists(Kind.PERMANENT, 1);
    within(3_000).until(() -> oracle.state().status() == Status.POISONED);
    driver.setLeadership(new LeadershipEvent.Leader(6));
    within(3_000).until(() -> !watchThreadAlive());

    List<ServingState> states = states();
    assertThat(states).extracting(ServingState::status)
        .contains(Status.NOT_SERVING, Status.FENCING, Status.SERVING, Status.POISONED);
    assertLegalTransitions(states);
    assertThat(states.get(states.size() - 1).status()).isEqualTo(Status.POISONED);

    ServingStatePublisher publisher = new ServingStatePublisher("p");
    publisher.publish(new ServingState(Status.POISONED, 5, Optional.empty()));
    assertThat(publisher.publish(new ServingState(Status.SERVING, 6, Optional.of("p")))).isFalse();
    assertThat(publisher.current().status()).isEqualTo(Status.POISONED);
    assertThat(Status.POISONED.canMoveTo(Status.SERVING)).isFalse();
    assertThat(Status.POISONED.canMoveTo(Status.FENCING)).isFalse();
    assertThat(Status.STOPPED.canMoveTo(Status.SERVING)).isFalse();
  }

  @Test
  void transitionCheckerCatchesServingAfterPoisonAndServingWithoutFence() {
    ServingState fencing = new ServingState(Status.FENCING, 2, Optional.of("n"));
    ServingState serving = new ServingState(Status.SERVING, 2, Optional.of("n"));
    ServingState poisoned = new ServingState(Status.POISONED, 2, Optional.empty());
    ServingState notServing = new ServingState(Status.NOT_SERVING, 2, Optional.empty());
    assertLegalTransitions(List.of(ServingState.initial(), fencing, serving, poisoned));
    assertThatThrownBy(() -> assertLegalTransitions(List.of(fencing, serving, poisoned, serving)))
        .isInstanceOf(AssertionError.class);
    assertThatThrownBy(() -> assertLegalTransitions(List.of(fencing, notServing, serving)))
        .isInstanceOf(AssertionError.class);
    assertThatThrownBy(() -> assertLegalTransitions(List.of(fencing,
        new ServingState(Status.SERVING, 3, Optional.of("n"))))).isInstanceOf(AssertionError.class);
    ServingState frozen = new ServingState(Status.FROZEN, 2, Optional.empty());
    assertLegalTransitions(List.of(fencing, serving, frozen, serving, frozen, notServing));
    assertThatThrownBy(() -> assertLegalTransitions(List.of(fencing, frozen))).isInstanceOf(AssertionError.class);
    assertThatThrownBy(() -> assertLegalTransitions(List.of(fencing, serving, frozen,
        new ServingState(Status.SERVING, 3, Optional.of("n"))))).isInstanceOf(AssertionError.class);
    assertThat(Status.NOT_SERVING.canMoveTo(Status.SERVING)).isFalse();
    assertThat(Status.NOT_SERVING.canMoveTo(Status.FROZEN)).isFalse();
    assertThat(Status.FENCING.canMoveTo(Status.FROZEN)).isFalse();
    assertThat(Status.FROZEN.canMoveTo(Status.SERVING)).isTrue();
  }

  // ------------------------------------------------------------------ reviewer findings (fence storm, stale events)

  @Test
  void stepDownEventClosesTheAllocatorAtOnceWhileTheWatchWaitsOnTheDriver() throws Exception {
    // A long lease so that the keep-alive may wait on the driver for the whole operation timeout (300 ms).
    driver(new LeadershipEvent.Leader(2), Duration.ofSeconds(2));
    start();
    awaitServing(2);
    int persists = driver.persistCalls();
    driver.delayNextPersists(1, Duration.ofMillis(250));
    within(3_000).until(() -> driver.persistCalls() > persists);
    // The watch thread is now blocked on the delayed keep-alive.
    driver.pushEvent(InMemoryDriver.follower(3, "other"));
    assertThat(refusal(1)).as("refused at once, not after the driver call").isEqualTo(Reason.NOT_SERVING);
    within(3_000).until(() -> oracle.state().status() == Status.NOT_SERVING);
    assertLegalTransitions(states());
  }

  @Test
  void failedDriverStartLeavesNoWatchThreadBehind() {
    ConsensusDriver failing = new InMemoryDriver(id, LEASE, new LeadershipEvent.Leader(1));
    ConsensusDriver broken = new ConsensusDriver() {
      @Override
      public void start(java.util.function.Consumer<LeadershipEvent> listener) throws ConsensusException {
        throw new ConsensusException(Kind.PERMANENT, "cannot start");
      }

      @Override
      public java.util.concurrent.CompletableFuture<LoadedMark> loadHighWater(long term) {
        return failing.loadHighWater(term);
      }

      @Override
      public java.util.concurrent.CompletableFuture<Long> releaseLease(long term, long servedUpTo) {
        return failing.releaseLease(term, servedUpTo);
      }

      @Override
      public java.util.concurrent.CompletableFuture<Long> persistHighWater(long atLeast, long term) {
        return failing.persistHighWater(atLeast, term);
      }

      @Override
      public Duration leaseDuration() {
        return LEASE;
      }

      @Override
      public LeadershipEvent currentLeadership() {
        return new LeadershipEvent.Unknown(0);
      }

      @Override
      public String localId() {
        return id;
      }

      @Override
      public void close() {
      }
    };
    TimestampOracle o = new TimestampOracle(broken, CONFIG, TsoClock.system(), t -> fatalCalls.incrementAndGet());
    assertThatThrownBy(o::start).isInstanceOf(ConsensusException.class);
    within(3_000).until(() -> !watchThreadAlive());
    assertThat(o.state().status()).isEqualTo(Status.STOPPED);
    assertThat(fatalCalls).hasValue(0);
  }

  @Test
  void clockStepsAreCountedFollowedAtTheSlewRateAndNeverServeLower() throws Exception {
    driver(new LeadershipEvent.Leader(2), LEASE);
    AdjustableClock clock = new AdjustableClock(0);
    start(clock);
    awaitServing(2);
    Grant before = allocateNow(1);
    clock.setOffsetMillis(5_000);
    within(3_000).until(() -> oracle.stats().clockForwardJumps() == 1);
    Grant ahead = awaitGrant(1);
    assertThat(ahead.first()).isGreaterThan(before.last());
    assertThat(Timestamp.physicalOf(ahead.first())).as("C4: the step is not followed at once")
        .isLessThan(System.currentTimeMillis() + 1_000);
    assertThat(oracle.stats().oracleTimeOffsetMillis()).as("the oracle time lags the stepped wall clock")
        .isLessThan(-3_000);

    clock.setOffsetMillis(-5_000);
    within(3_000).until(() -> oracle.stats().clockBackwardJumps() == 1);
    within(3_000).until(() -> oracle.stats().clockBehindEpisodes() == 1);
    assertThat(oracle.stats().clockLeadMillis()).isGreaterThan(CONFIG.window().toMillis());
    long last = ahead.last();
    for (int i = 0; i < 100; i++) {
      Grant g = awaitGrant(1);
      assertThat(g.first()).as("C1: never lower after the clock went back").isGreaterThan(last);
      last = g.last();
    }
    assertThat(oracle.stats().clockBehindEpisodes()).as("one WARN/count per episode").isEqualTo(1);
    assertThat(oracle.stats().clockForwardJumps()).isEqualTo(1);
  }

  @Test
  void aGracefulStopReleasesTheLeaseAndTheNextLeaderSkipsItsWait() throws Exception {
    Duration lease = Duration.ofMillis(150);
    io.tso4j.core.memory.InMemoryRegister register = new io.tso4j.core.memory.InMemoryRegister();
    driver = new FaultInjectingDriver(new InMemoryDriver(id, lease, new LeadershipEvent.Leader(2), register));
    toClose.add(driver);
    TimestampOracle first = start();
    awaitServing(2);
    Grant served = allocateNow(10);
    assertThat(first.stopServingAndReleaseLease(Duration.ofSeconds(2))).as("released").isTrue();
    assertThat(refusal(1)).isEqualTo(Reason.NOT_SERVING);
    assertThat(first.state().status()).isEqualTo(Status.STOPPED);
    assertThat(driver.calls()).filteredOn(c -> c.op() == Op.RELEASE).singleElement()
        .satisfies(c -> assertThat(c.term()).isEqualTo(2));
    assertThat(watchThreadAlive()).isFalse();

    // The next leader (another node on the same register) finds the release as the last lease event.
    FaultInjectingDriver next = new FaultInjectingDriver(
        new InMemoryDriver(id + "-next", lease, new LeadershipEvent.Leader(3), register));
    toClose.add(next);
    List<FenceTimings> fences = new CopyOnWriteArrayList<>();
    TimestampOracle second = new TimestampOracle(next, CONFIG, TsoClock.system(), t -> fatalCalls.incrementAndGet());
    toClose.add(second);
    second.addFenceListener(fences::add);
    second.start();
    within(3_000).until(() -> second.state().serving() && fences.size() == 1);
    assertThat(fences).singleElement().satisfies(t -> {
      assertThat(t.waitReason()).isEqualTo(FenceTimings.WaitReason.SKIPPED_AFTER_RELEASE);
      assertThat(t.total()).as("no lease wait").isLessThan(lease);
    });
    Grant after = second.allocate(1);
    assertThat(after.first()).isGreaterThan(served.last());

    // Positive control: a plain stop releases nothing, and the leader after it waits out the lease.
    second.stopServing();
    FaultInjectingDriver third = new FaultInjectingDriver(
        new InMemoryDriver(id + "-third", lease, new LeadershipEvent.Leader(4), register));
    toClose.add(third);
    TimestampOracle thirdOracle = new TimestampOracle(third, CONFIG, TsoClock.system(), t -> { });
    toClose.add(thirdOracle);
    thirdOracle.start();
    within(3_000).until(() -> thirdOracle.state().serving());
    FenceTimings t = thirdOracle.stats().lastFence().orElseThrow();
    assertThat(t.waitReason()).isEqualTo(FenceTimings.WaitReason.OWN_LEASE);
    assertThat(t.total()).isGreaterThanOrEqualTo(lease);
  }

  @Test
  void fencesAndWindowExtensionsAreCounted() throws Exception {
    driver(new LeadershipEvent.Leader(2), LEASE);
    List<FenceTimings> fences = new CopyOnWriteArrayList<>();
    // A window barely above the extension threshold: every renewal leaves less than the threshold, so the allocator
    // asks for an extension on the first grant after each one.
    FenceConfig tight = CONFIG.toBuilder().window(Duration.ofMillis(100)).extendThreshold(Duration.ofMillis(99)).build();
    oracle = new TimestampOracle(driver, tight, TsoClock.system(), t -> fatalCalls.incrementAndGet());
    toClose.add(oracle);
    oracle.addFenceListener(fences::add);
    oracle.addListener(st -> seen.add(new Seen(st, System.nanoTime())));
    oracle.start();
    awaitServing(2);
    within(3_000).until(() -> fences.size() == 1);
    assertThat(oracle.stats().fences(FenceOutcome.SERVED)).isEqualTo(1);
    assertThat(oracle.stats().lastFence()).contains(fences.get(0));
    // A grant within a millisecond of a renewal leaves the threshold untouched: keep asking until one asks for more.
    within(3_000).until(() -> {
      awaitGrant(1);
      return oracle.stats().windowExtensions() > 0;
    });
    assertThat(oracle.stats().windowExtensionLatencyMax()).isPositive()
        .isLessThanOrEqualTo(oracle.stats().windowExtensionLatencyTotal());

    driver.failNextLoads(Kind.NOT_LEADER, 1);
    driver.setLeadership(new LeadershipEvent.Leader(3));
    within(3_000).until(() -> oracle.stats().fences(FenceOutcome.STEPPED_DOWN) == 1);
  }

  @Test
  void stopServingRefusesAtOnceAndStops() throws Exception {
    driver(new LeadershipEvent.Leader(2), LEASE);
    start();
    awaitServing(2);
    allocateNow(1);
    oracle.stopServing();
    assertThat(refusal(1)).isEqualTo(Reason.NOT_SERVING);
    assertThat(oracle.state().status()).isEqualTo(Status.STOPPED);
    assertThat(watchThreadAlive()).isFalse();
  }
}
