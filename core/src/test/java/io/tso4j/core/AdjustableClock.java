package io.tso4j.core;

/**
 * The system clocks with a wall-clock offset that can be changed while running (fault injection: clock skew and
 * jumps). The monotonic ticker is never shifted: leases rely on it advancing at the real rate (docs/correctness.md,
 * assumptions). Thread-safe.
 */
public final class AdjustableClock implements TsoClock {
  private volatile long offsetMillis;

  /** A clock with the given initial wall-clock offset. */
  public AdjustableClock(long offsetMillis) {
    this.offsetMillis = offsetMillis;
  }

  /** Sets the wall-clock offset; a change is a jump of the difference. */
  public void setOffsetMillis(long offsetMillis) {
    this.offsetMillis = offsetMillis;
  }

  /** The current wall-clock offset. */
  public long offsetMillis() {
    return offsetMillis;
  }

  @Override
  public long wallMillis() {
    return System.currentTimeMillis() + offsetMillis;
  }

  @Override
  public long monoNanos() {
    return System.nanoTime();
  }
}
