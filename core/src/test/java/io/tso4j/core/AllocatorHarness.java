package io.tso4j.core;

import java.util.List;
import java.util.function.Function;

/**
 * Runs scripted {@link Action}s against a {@link TimestampAllocator} on a {@link ManualClock} and feeds every outcome
 * to a {@link GrantChecker}, which throws on the first broken invariant.
 *
 * <p>Control actions follow the fence's rules: a window opens for the next term with floor = max(previous limit + 1,
 * now). Requests go through a {@link Requester}, normally the allocator itself; positive controls put a deliberately
 * broken one in between to prove the checker notices.
 */
final class AllocatorHarness {
  /** The wall clock at the start: a realistic epoch millisecond. */
  static final long START_WALL = 1_700_000_000_000L;

  /** Something that answers requests (the allocator, or a broken wrapper of it). */
  @FunctionalInterface
  interface Requester {
    Grant allocate(int count) throws RefusedException;
  }

  /** One step of a scenario. */
  sealed interface Action {
  }

  /** Both clocks move forward by a little (normal time passing). */
  record Tick(int millis) implements Action {
  }

  /** The wall clock alone steps by {@code millis}, back or forward (NTP step, VM migration). */
  record WallJump(int millis) implements Action {
  }

  /** The process stalls: both clocks move forward a lot (GC pause); leases may lapse. */
  record Stall(int millis) implements Action {
  }

  /** The monotonic ticker alone moves (the wall clock is held back). */
  record MonoOnly(int millis) implements Action {
  }

  /** A request for {@code count} timestamps. */
  record Allocate(int count) implements Action {
  }

  /** A window opens for the next term (a successful fence). */
  record Open(int windowMillis, int leaseMillis) implements Action {
  }

  /** A keep-alive: the limit grows and the lease is renewed; {@code wrongTerm} renews for a term not open. */
  record Renew(int growMillis, int leaseMillis, boolean wrongTerm) implements Action {
  }

  /** Step-down. */
  record Close() implements Action {
  }

  /** A fatal error. */
  record Poison() implements Action {
  }

  final ManualClock clock = new ManualClock(START_WALL);
  final GrantChecker checker = new GrantChecker();
  final TimestampAllocator allocator;
  private final Requester requester;
  private long nextTerm = 1;
  private int extensionRequests;
  private int extensionRequestsSinceGrowth;

  /** A harness over the real allocator with an extension threshold of {@code thresholdMillis}. */
  AllocatorHarness(long thresholdMillis) {
    this(thresholdMillis, a -> a::allocate);
  }

  /** A harness whose requests go through {@code wrap} applied to the allocator. */
  AllocatorHarness(long thresholdMillis, Function<TimestampAllocator, Requester> wrap) {
    this.allocator = new TimestampAllocator(clock, thresholdMillis, this::onExtensionRequest);
    this.requester = wrap.apply(allocator);
  }

  private void onExtensionRequest() {
    extensionRequests++;
    extensionRequestsSinceGrowth++;
    if (extensionRequestsSinceGrowth > 1) {
      throw new AssertionError("extension requested " + extensionRequestsSinceGrowth
          + " times without the window growing in between");
    }
  }

  void run(List<? extends Action> actions) {
    for (Action a : actions) {
      apply(a);
    }
  }

  void apply(Action action) {
    if (action instanceof Tick t) {
      clock.advance(t.millis());
    } else if (action instanceof WallJump j) {
      clock.setWall(Math.max(0, clock.wallMillis() + j.millis()));
    } else if (action instanceof Stall s) {
      clock.advance(s.millis());
    } else if (action instanceof MonoOnly m) {
      clock.advanceMono(m.millis());
    } else if (action instanceof Allocate a) {
      request(a.count());
    } else if (action instanceof Open o) {
      open(o.windowMillis(), o.leaseMillis());
    } else if (action instanceof Renew r) {
      renew(r.growMillis(), r.leaseMillis(), r.wrongTerm());
    } else if (action instanceof Close) {
      allocator.close();
      checker.closed();
    } else if (action instanceof Poison) {
      allocator.poison();
      checker.poisoned();
    } else {
      throw new IllegalArgumentException(String.valueOf(action));
    }
  }

  /** Makes one request and checks its outcome; returns the grant or null. */
  Grant request(int count) {
    long mono = clock.monoNanos();
    long wall = clock.wallMillis();
    int requestsBefore = extensionRequestsSinceGrowth;
    try {
      Grant g = requester.allocate(count);
      checker.granted(count, g, mono, wall);
      return g;
    } catch (RefusedException e) {
      checker.refused(count, e, mono, wall);
      if (e.reason() == RefusedException.Reason.WINDOW_EXHAUSTED && extensionRequestsSinceGrowth == 0) {
        throw new AssertionError("WINDOW_EXHAUSTED without an extension request (before: " + requestsBefore + ")");
      }
      return null;
    }
  }

  void open(int windowMillis, int leaseMillis) {
    long term = nextTerm++;
    long floor = Math.max(checker.limit() + 1, clock.wallMillis());
    long limit = floor + windowMillis;
    long lease = clock.monoIn(leaseMillis);
    if (checker.isPoisoned()) {
      try {
        allocator.open(term, floor, limit, lease);
      } catch (IllegalStateException expected) {
        return;
      }
      throw new AssertionError("open() of a poisoned allocator did not throw");
    }
    allocator.open(term, floor, limit, lease);
    checker.opened(term, floor, limit, lease);
    extensionRequestsSinceGrowth = 0;
  }

  void renew(int growMillis, int leaseMillis, boolean wrongTerm) {
    long term = wrongTerm ? checker.term() + 1 : checker.term();
    long oldLimit = checker.limit();
    long newLimit = oldLimit + growMillis;
    long lease = clock.monoIn(leaseMillis);
    boolean renewed = allocator.renew(term, newLimit, lease);
    checker.renewed(term, newLimit, lease, renewed);
    if (checker.limit() > oldLimit) {
      extensionRequestsSinceGrowth = 0;
    }
  }

  int extensionRequests() {
    return extensionRequests;
  }
}
