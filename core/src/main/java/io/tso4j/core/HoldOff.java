package io.tso4j.core;

/**
 * The fence-storm guard (docs/correctness.md F7): after a step-down in term T, T is not fenced again for {@code base}
 * × 2^(n−1) (n = step-downs in a row in T), at most {@code max}; a newer term is never held off. Pure: time is passed
 * in; owned by the {@link FenceProtocol}.
 */
final class HoldOff {
  private final long baseNanos;
  private final long maxNanos;
  private long term = -1;
  private long untilNanos;
  private int count;

  HoldOff(long baseNanos, long maxNanos) {
    this.baseNanos = baseNanos;
    this.maxNanos = maxNanos;
  }

  /** After a step-down in {@code term} at {@code nowNanos}: do not fence that term again for a while. */
  void stepDown(long term, long nowNanos) {
    count = term == this.term ? count + 1 : 1;
    this.term = term;
    untilNanos = nowNanos + Math.min(maxNanos, baseNanos << Math.min(count - 1, 20));
  }

  /** Whether {@code term} must not be fenced at {@code nowNanos}. */
  boolean holds(long term, long nowNanos) {
    return term == this.term && nowNanos - untilNanos < 0;
  }

  /** A fence completed: the count starts over. */
  void reset() {
    term = -1;
    count = 0;
  }

  /** How many step-downs in a row in the held-off term (tests). */
  int count() {
    return count;
  }
}
