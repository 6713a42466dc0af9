package io.tso4j.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tso4j.timestamp.Timestamp;
import io.tso4j.core.AllocatorHarness.Action;
import io.tso4j.core.AllocatorHarness.Allocate;
import io.tso4j.core.AllocatorHarness.Close;
import io.tso4j.core.AllocatorHarness.MonoOnly;
import io.tso4j.core.AllocatorHarness.Open;
import io.tso4j.core.AllocatorHarness.Poison;
import io.tso4j.core.AllocatorHarness.Renew;
import io.tso4j.core.AllocatorHarness.Stall;
import io.tso4j.core.AllocatorHarness.Tick;
import io.tso4j.core.AllocatorHarness.WallJump;
import io.tso4j.core.RefusedException.Reason;
import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.statistics.Statistics;

/**
 * Properties of the {@link TimestampAllocator} over random scenarios on a hand-driven clock: clock jumps both ways,
 * stalls, requests of 1..262144 timestamps (biased to large ones so that logical exhaustion is common), windows opened
 * for increasing terms at floor = max(previous limit + 1, now), renewals, lease expiry, close and reopen, poison.
 * {@link GrantChecker} checks every outcome as it happens.
 *
 * <p>Each property has positive controls (the {@code @Example}s below it): a deliberately broken allocator or a
 * doctored grant, run through the same harness and checker, must make the checker fail.
 */
final class TimestampAllocatorProperties {

  // ------------------------------------------------------------------ generators

  private static Arbitrary<Integer> counts() {
    return Arbitraries.frequencyOf(
        Tuple.of(2, Arbitraries.integers().between(1, 16)),
        Tuple.of(3, Arbitraries.integers().between(1, TimestampAllocator.MAX_COUNT)),
        Tuple.of(4, Arbitraries.integers().between(TimestampAllocator.MAX_COUNT / 2, TimestampAllocator.MAX_COUNT)),
        Tuple.of(2, Arbitraries.just(TimestampAllocator.MAX_COUNT)));
  }

  private static Arbitrary<Action> open() {
    return Combinators.combine(Arbitraries.integers().between(0, 30), Arbitraries.integers().between(1, 400))
        .as(Open::new);
  }

  private static Arbitrary<Action> renew() {
    return Combinators.combine(Arbitraries.integers().between(0, 30), Arbitraries.integers().between(1, 400),
        Arbitraries.integers().between(0, 9).map(i -> i == 0)).as(Renew::new);
  }

  private static Arbitrary<Action> mixedAction() {
    return Arbitraries.frequencyOf(
        Tuple.of(12, counts().map(Allocate::new)),
        Tuple.of(4, Arbitraries.integers().between(0, 2).map(Tick::new)),
        Tuple.of(1, Arbitraries.integers().between(-5_000, 5_000).map(WallJump::new)),
        Tuple.of(1, Arbitraries.integers().between(50, 1_500).map(Stall::new)),
        Tuple.of(1, Arbitraries.integers().between(0, 300).map(MonoOnly::new)),
        Tuple.of(2, open()),
        Tuple.of(3, renew()),
        Tuple.of(1, Arbitraries.just(new Close())));
  }

  /** Scenarios that start with a window open, then anything. */
  @Provide
  Arbitrary<List<Action>> scenarios() {
    return Combinators.combine(open(), mixedAction().list().ofMinSize(10).ofMaxSize(150))
        .as(TimestampAllocatorProperties::prepend);
  }

  /** Scenarios of big requests with the clock nearly stopped, so that logical space runs out all the time. */
  @Provide
  Arbitrary<List<Action>> exhaustingScenarios() {
    Arbitrary<Action> smallOpen = Combinators.combine(Arbitraries.integers().between(0, 6),
        Arbitraries.integers().between(100, 400)).as(Open::new);
    Arbitrary<Action> step = Arbitraries.frequencyOf(
        Tuple.of(16, Arbitraries.integers().between(TimestampAllocator.MAX_COUNT / 3, TimestampAllocator.MAX_COUNT)
            .map(Allocate::new)),
        Tuple.of(2, Arbitraries.integers().between(1, 3).map(Allocate::new)),
        Tuple.of(2, Arbitraries.integers().between(0, 1).map(Tick::new)),
        Tuple.of(1, Arbitraries.integers().between(-50, -1).map(WallJump::new)),
        Tuple.of(1, Combinators.combine(Arbitraries.integers().between(0, 4), Arbitraries.integers().between(1, 400),
            Arbitraries.just(false)).as(Renew::new)),
        Tuple.of(1, smallOpen));
    return Combinators.combine(smallOpen, step.list().ofMinSize(10).ofMaxSize(120))
        .as(TimestampAllocatorProperties::prepend);
  }

  /** Scenarios heavy on lease lapses, step-downs and poison, where most requests must be refused. */
  @Provide
  Arbitrary<List<Action>> refusalScenarios() {
    Arbitrary<Action> step = Arbitraries.frequencyOf(
        Tuple.of(8, counts().map(Allocate::new)),
        Tuple.of(3, Arbitraries.integers().between(0, 120).map(MonoOnly::new)),
        Tuple.of(2, Arbitraries.integers().between(0, 60).map(Tick::new)),
        Tuple.of(2, open()),
        Tuple.of(3, renew()),
        Tuple.of(2, Arbitraries.just(new Close())));
    Arbitrary<List<Action>> withPoison = Combinators.combine(step.list().ofMaxSize(60),
        step.list().ofMaxSize(40)).as((before, after) -> {
          List<Action> l = new ArrayList<>(before);
          l.add(new Poison());
          l.addAll(after);
          return l;
        });
    return Arbitraries.oneOf(step.list().ofMinSize(1).ofMaxSize(100), withPoison);
  }

  private static List<Action> prepend(Action first, List<Action> rest) {
    List<Action> l = new ArrayList<>(rest.size() + 1);
    l.add(first);
    l.addAll(rest);
    return l;
  }

  private static Arbitrary<Integer> invalidCounts() {
    return Arbitraries.oneOf(
        Arbitraries.integers().between(Integer.MIN_VALUE, 0),
        Arbitraries.integers().between(TimestampAllocator.MAX_COUNT + 1, Integer.MAX_VALUE),
        Arbitraries.of(0, -1, TimestampAllocator.MAX_COUNT + 1, Integer.MIN_VALUE, Integer.MAX_VALUE));
  }

  @Provide
  Arbitrary<Integer> invalidCount() {
    return invalidCounts();
  }

  // ------------------------------------------------------------------ P1: every invariant on mixed scenarios

  /** A1–A5, term, lease and the exact refusal reason hold after every action of any scenario. */
  @Property(tries = 1000)
  void everyScenarioKeepsEveryInvariant(@ForAll("scenarios") List<Action> actions) {
    AllocatorHarness h = new AllocatorHarness(5);
    h.run(actions);
    Statistics.label("granted").collect(h.checker.grants() > 0);
    Statistics.label("granted").coverage(c -> c.check(true).percentage(p -> p > 50));
  }

  /** Positive control for P1 (A1): an allocator that repeats the last value of every third grant. */
  @Example
  void overlappingGrantsAreCaughtByTheChecker() {
    int[] n = {0};
    AllocatorHarness h = new AllocatorHarness(5, a -> count -> {
      Grant g = a.allocate(count);
      return ++n[0] % 3 == 0 ? new Grant(g.first() - 1, g.count(), g.term()) : g;
    });
    assertThatThrownBy(() -> h.run(List.of(new Open(10, 100), new Allocate(1), new Allocate(1), new Allocate(1))))
        .isInstanceOf(AssertionError.class).hasMessageStartingWith("A1");
  }

  /** Positive control for P1 (A2): an allocator that serves past the window instead of refusing. */
  @Example
  void grantsPastTheWindowLimitAreCaughtByTheChecker() {
    AllocatorHarness h = new AllocatorHarness(0, a -> count -> {
      try {
        return a.allocate(count);
      } catch (RefusedException e) {
        long beyond = a.limit() + 1;
        return new Grant(Timestamp.pack(beyond, 0), count, a.servingTerm());
      }
    });
    assertThatThrownBy(() -> h.run(List.of(new Open(2, 1_000), new WallJump(10), new Allocate(1))))
        .isInstanceOf(AssertionError.class).hasMessageStartingWith("A2");
  }

  /** Positive control for P1 (A3): an allocator that keeps serving after its lease lapsed. */
  @Example
  void grantsAfterTheLeaseLapsedAreCaughtByTheChecker() {
    long[] last = {-1};
    AllocatorHarness h = new AllocatorHarness(5, a -> count -> {
      try {
        Grant g = a.allocate(count);
        last[0] = g.last();
        return g;
      } catch (RefusedException e) {
        Grant g = new Grant(last[0] + 1, count, 1);
        last[0] = g.last();
        return g;
      }
    });
    assertThatThrownBy(() -> h.run(List.of(new Open(1_000, 50), new Allocate(1), new MonoOnly(50),
        new Allocate(1)))).isInstanceOf(AssertionError.class).hasMessageStartingWith("A3");
  }

  /** Positive control for P1 (A5 and term): doctored grants below the floor or in another term. */
  @Example
  void grantsBelowTheFloorOrInAnotherTermAreCaughtByTheChecker() {
    GrantChecker c = new GrantChecker();
    long floor = AllocatorHarness.START_WALL;
    c.opened(7, floor, floor + 10, Long.MAX_VALUE);
    assertThatThrownBy(() -> c.granted(1, new Grant(Timestamp.pack(floor - 1, 5), 1, 7), 0, floor))
        .isInstanceOf(AssertionError.class).hasMessageStartingWith("A5");
    assertThatThrownBy(() -> c.granted(1, new Grant(Timestamp.pack(floor, 0), 1, 6), 0, floor))
        .isInstanceOf(AssertionError.class).hasMessageStartingWith("term");
  }

  /** Positive control for P1 (model): an allocator that runs ahead of the clock instead of following it. */
  @Example
  void grantsAheadOfTheClockAreCaughtByTheChecker() {
    AllocatorHarness h = new AllocatorHarness(0, a -> count -> {
      a.allocate(1);
      return a.allocate(count);
    });
    assertThatThrownBy(() -> h.run(List.of(new Open(10, 1_000), new Allocate(5))))
        .isInstanceOf(AssertionError.class).hasMessageStartingWith("model");
  }

  // ------------------------------------------------------------------ P2: logical exhaustion

  /**
   * Under big requests on a near-stopped clock every range stays inside one millisecond (first logical + count - 1
   * ≤ 262143), exhaustion borrows the next millisecond and window exhaustion is refused, never served.
   */
  @Property(tries = 1000)
  void bigRequestsNeverCrossAMillisecond(@ForAll("exhaustingScenarios") List<Action> actions) {
    AllocatorHarness h = new AllocatorHarness(3);
    h.run(actions);
    Statistics.label("borrowed").collect(h.checker.borrows() > 0);
    Statistics.label("borrowed").coverage(c -> c.check(true).percentage(p -> p > 30));
    Statistics.label("window exhausted").collect(h.checker.exhaustions() > 0);
    Statistics.label("window exhausted").coverage(c -> c.check(true).percentage(p -> p > 8));
  }

  /** Positive control for P2 (A4): a naive allocator that hands out ranges across a millisecond boundary. */
  @Example
  void rangesAcrossAMillisecondAreCaughtByTheChecker() {
    long[] next = {-1};
    AllocatorHarness h = new AllocatorHarness(5, a -> count -> {
      if (!a.canServe()) {
        return a.allocate(count);
      }
      if (next[0] < 0) {
        next[0] = Timestamp.pack(a.lastPhysical() + 1, 0);
      }
      Grant g = new Grant(next[0], count, a.servingTerm());
      next[0] += count;
      return g;
    });
    assertThatThrownBy(() -> h.run(List.of(new Open(10, 1_000), new Allocate(200_000), new Allocate(100_000))))
        .isInstanceOf(AssertionError.class).hasMessageStartingWith("A4");
  }

  /** Positive control for P2 (A4): a doctored grant that ends one past the last logical value. */
  @Example
  void doctoredRangeAcrossAMillisecondIsCaughtByTheChecker() {
    GrantChecker c = new GrantChecker();
    long floor = AllocatorHarness.START_WALL;
    c.opened(1, floor, floor + 10, Long.MAX_VALUE);
    Grant crossing = new Grant(Timestamp.pack(floor, Timestamp.MAX_LOGICAL), 2, 1);
    assertThatThrownBy(() -> c.granted(2, crossing, 0, floor))
        .isInstanceOf(AssertionError.class).hasMessageStartingWith("A4");
  }

  // ------------------------------------------------------------------ P3: refusals

  /**
   * Closed, lapsed and poisoned allocators never grant, and refuse with the right reason (NOT_SERVING,
   * LEASE_EXPIRED, POISONED); open() throws once poisoned.
   */
  @Property(tries = 400)
  void refusalsCarryTheRightReason(@ForAll("refusalScenarios") List<Action> actions) {
    AllocatorHarness h = new AllocatorHarness(5);
    h.run(actions);
    h.run(List.of(new Allocate(1)));
  }

  /** Positive control for P3: an allocator that reports every refusal as NOT_SERVING. */
  @Example
  void wrongRefusalReasonsAreCaughtByTheChecker() {
    AllocatorHarness h = new AllocatorHarness(5, a -> count -> {
      try {
        return a.allocate(count);
      } catch (RefusedException e) {
        throw new RefusedException(Reason.NOT_SERVING, "rewritten");
      }
    });
    assertThatThrownBy(() -> h.run(List.of(new Open(10, 50), new MonoOnly(60), new Allocate(1))))
        .isInstanceOf(AssertionError.class).hasMessageContaining("LEASE_EXPIRED was due");
  }

  /** Positive control for P3: a poisoned allocator that still grants. */
  @Example
  void grantsAfterPoisonAreCaughtByTheChecker() {
    GrantChecker c = new GrantChecker();
    long floor = AllocatorHarness.START_WALL;
    c.opened(1, floor, floor + 10, Long.MAX_VALUE);
    c.poisoned();
    assertThatThrownBy(() -> c.granted(1, new Grant(Timestamp.pack(floor, 0), 1, 1), 0, floor))
        .isInstanceOf(AssertionError.class).hasMessageStartingWith("A3");
  }

  // ------------------------------------------------------------------ P4: invalid counts

  /** A count outside 1..262144 is refused with INVALID_COUNT in any state, and changes nothing. */
  @Property(tries = 300)
  void invalidCountsAreRefused(@ForAll("scenarios") List<Action> prefix, @ForAll("invalidCount") int count,
      @ForAll @IntRange(min = 1, max = 262_144) int validCount) {
    AllocatorHarness h = new AllocatorHarness(5);
    h.run(prefix);
    long before = h.allocator.lastIssued();
    h.run(List.of(new Allocate(count)));
    assertThat(h.allocator.lastIssued()).isEqualTo(before);
    h.run(List.of(new Allocate(validCount)));
  }

  /** Positive control for P4: an allocator that serves a count of 0 (as 1) instead of refusing it. */
  @Example
  void servedInvalidCountsAreCaughtByTheChecker() {
    AllocatorHarness h = new AllocatorHarness(5, a -> count -> {
      Grant g = a.allocate(Math.max(1, Math.min(count, TimestampAllocator.MAX_COUNT)));
      return new Grant(g.first(), count, g.term());
    });
    assertThatThrownBy(() -> h.run(List.of(new Open(10, 100), new Allocate(0))))
        .isInstanceOf(AssertionError.class).hasMessageStartingWith("INVALID_COUNT");
  }
}
