package io.tso4j.core;

import io.tso4j.timestamp.Timestamp;
import io.tso4j.core.RefusedException.Reason;

/**
 * An independent checker of the {@link TimestampAllocator} contract: it is told every control call (open, renew,
 * close, poison) and every request outcome, keeps its own model of the allocator, and throws an {@link AssertionError}
 * naming the broken invariant as soon as an outcome violates it.
 *
 * <p>Safety (A1–A5 of the allocator's javadoc) is checked on every grant without the model: strictly above every
 * earlier grant, physical part within the window limit and at or above the window floor, one millisecond, the right
 * term, only while open and leased. The model adds precision: a request that could be served must be served
 * (refusals must give the right reason), and a grant must be exactly the next value the clock allows (last physical
 * value on a clock going back, next millisecond on logical exhaustion).
 */
final class GrantChecker {
  private boolean open;
  private boolean poisoned;
  private long term = -1;
  private long floor = -1;
  private long limit = -1;
  private long leaseDeadlineNanos;
  /** The highest value of any grant so far, -1 if none. */
  private long maxLast = -1;
  /** The model of the allocator's last-issued mark: grants and window floors. */
  private long mark = -1;
  private int grants;
  private int borrows;
  private int exhaustions;

  void opened(long term, long floor, long limit, long leaseDeadlineNanos) {
    if (poisoned) {
      throw new AssertionError("model: open() must throw once poisoned");
    }
    this.open = true;
    this.term = term;
    this.floor = floor;
    this.limit = limit;
    this.leaseDeadlineNanos = leaseDeadlineNanos;
    this.mark = Math.max(mark, (floor << Timestamp.LOGICAL_BITS) - 1);
  }

  void renewed(long term, long newLimit, long newLeaseDeadlineNanos, boolean returned) {
    boolean expected = open && !poisoned && term == this.term;
    if (returned != expected) {
      throw new AssertionError("renew(" + term + ") returned " + returned + " but the window is "
          + (open ? "open in term " + this.term : "closed") + (poisoned ? " (poisoned)" : ""));
    }
    if (expected) {
      limit = Math.max(limit, Math.min(newLimit, Timestamp.MAX_PHYSICAL));
      leaseDeadlineNanos = Math.max(leaseDeadlineNanos, newLeaseDeadlineNanos);
    }
  }

  void closed() {
    open = false;
  }

  void poisoned() {
    poisoned = true;
    open = false;
  }

  /** Checks a grant for a request of {@code count} made when the clocks read {@code monoNanos} and {@code wall}. */
  void granted(int count, Grant g, long monoNanos, long wall) {
    if (count < 1 || count > TimestampAllocator.MAX_COUNT) {
      throw new AssertionError("INVALID_COUNT: count " + count + " was granted " + g);
    }
    if (g.count() != count) {
      throw new AssertionError("partial grant: asked " + count + ", got " + g);
    }
    if (poisoned) {
      throw new AssertionError("A3: grant " + g + " from a poisoned allocator");
    }
    if (!open) {
      throw new AssertionError("A3: grant " + g + " while the window is closed");
    }
    if (monoNanos - leaseDeadlineNanos >= 0) {
      throw new AssertionError("A3: grant " + g + " after the lease lapsed (" + (monoNanos - leaseDeadlineNanos)
          + " ns ago)");
    }
    if (g.term() != term) {
      throw new AssertionError("term: grant " + g + " in window of term " + term);
    }
    if (g.first() < 0) {
      throw new AssertionError("negative timestamp " + g);
    }
    if (g.first() <= maxLast) {
      throw new AssertionError("A1: grant " + g + " first " + g.first() + " <= earlier value " + maxLast);
    }
    long physical = Timestamp.physicalOf(g.first());
    if ((long) Timestamp.logicalOf(g.first()) + count - 1 > Timestamp.MAX_LOGICAL
        || Timestamp.physicalOf(g.last()) != physical) {
      throw new AssertionError("A4: grant " + g + " leaves physical millisecond " + physical);
    }
    if (physical > limit) {
      throw new AssertionError("A2: grant " + g + " physical " + physical + " > window limit " + limit);
    }
    if (physical < floor) {
      throw new AssertionError("A5: grant " + g + " physical " + physical + " < window floor " + floor);
    }
    long[] next = expectedNext(count, wall);
    if (next[0] > limit) {
      throw new AssertionError("model: grant " + g + " but the next admissible physical " + next[0]
          + " is past the limit " + limit);
    }
    long expectedFirst = next[0] << Timestamp.LOGICAL_BITS | next[1];
    if (g.first() != expectedFirst) {
      throw new AssertionError("model: grant " + g + " (physical " + physical + " logical "
          + Timestamp.logicalOf(g.first()) + ") but expected physical " + next[0] + " logical " + next[1]
          + " at wall " + wall);
    }
    if (next[2] == 1) {
      borrows++;
    }
    maxLast = g.last();
    mark = g.last();
    grants++;
  }

  /** Checks a refusal of a request of {@code count} made when the clocks read {@code monoNanos} and {@code wall}. */
  void refused(int count, RefusedException e, long monoNanos, long wall) {
    Reason expected;
    if (count < 1 || count > TimestampAllocator.MAX_COUNT) {
      expected = Reason.INVALID_COUNT;
    } else if (poisoned) {
      expected = Reason.POISONED;
    } else if (!open) {
      expected = Reason.NOT_SERVING;
    } else if (monoNanos - leaseDeadlineNanos >= 0) {
      expected = Reason.LEASE_EXPIRED;
    } else if (expectedNext(count, wall)[0] > limit) {
      expected = Reason.WINDOW_EXHAUSTED;
    } else {
      throw new AssertionError("refused " + e.reason() + " (" + e.getMessage() + ") a request of " + count
          + " that fits the window (limit " + limit + ", wall " + wall + ")");
    }
    if (e.reason() != expected) {
      throw new AssertionError("refused with " + e.reason() + " where " + expected + " was due: "
          + e.getMessage());
    }
    if (expected == Reason.WINDOW_EXHAUSTED) {
      exhaustions++;
    }
  }

  /** {physical, logical, borrowed?1:0} of the next grant of {@code count} at {@code wall}. */
  private long[] expectedNext(int count, long wall) {
    long lastPhysical = mark < 0 ? -1 : Timestamp.physicalOf(mark);
    long physical = Math.max(lastPhysical, Math.max(0, wall));
    long logical = 0;
    long borrowed = 0;
    if (physical == lastPhysical) {
      logical = Timestamp.logicalOf(mark) + 1L;
      if (logical + count > Timestamp.PER_MILLISECOND) {
        physical++;
        logical = 0;
        borrowed = 1;
      }
    }
    return new long[] {physical, logical, borrowed};
  }

  /** The highest limit any window had (the persisted high-water mark a fence would load), -1 if none. */
  long limit() {
    return limit;
  }

  long term() {
    return term;
  }

  boolean isOpen() {
    return open;
  }

  boolean isPoisoned() {
    return poisoned;
  }

  int grants() {
    return grants;
  }

  int borrows() {
    return borrows;
  }

  int exhaustions() {
    return exhaustions;
  }
}
