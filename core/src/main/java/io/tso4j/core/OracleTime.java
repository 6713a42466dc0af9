package io.tso4j.core;

import java.util.concurrent.atomic.AtomicReference;

/**
 * The physical time of the oracle: the one clock the allocator serves from and the keep-alive slides the window by.
 * It follows the wall clock, but never faster or slower than the monotonic clock allows, and never goes back.
 *
 * <p><b>Contract.</b> With an anchor (P₀, M₀) — a physical time and the monotonic reading it belongs to — and Δ the
 * monotonic time since M₀ (never negative), the physical time at wall clock W is
 *
 * <pre>
 *   physical(W, mono, anchor) = clamp(W, P₀ + (1 − s)·Δ, P₀ + (1 + s)·Δ)
 * </pre>
 *
 * <p>where s is the maximum slew rate ({@link FenceConfig#maxClockSlew()}). So:
 * <ul>
 *   <li>with a sane wall clock (it moves with the monotonic clock) the physical time <em>is</em> the wall clock;</li>
 *   <li>a wall clock that steps forward is followed at most (1 + s) times as fast as the monotonic clock: one node's
 *       bad clock drags the oracle ahead by at most s times as long as the step lasts (a +1 h step for 10 s: 1 s at
 *       s = 0.1), and the step is counted and logged once ({@link ClockWatch});</li>
 *   <li>a wall clock that steps back, or one far behind a high-water mark this node must serve above ({@link
 *       #raiseTo}), never lowers anything: the physical time keeps advancing at (1 − s) times the monotonic rate and
 *       slowly converges on the wall clock, so serving never waits for the wall clock to reach the mark;</li>
 *   <li>the monotonic clock is the one thing trusted (docs/correctness.md, assumptions).</li>
 * </ul>
 *
 * <p>The anchor is moved by one thread (the leader watch): {@link #rebase} on every clock sample re-anchors at the
 * current physical time, so Δ stays short; {@link #raiseTo} lifts it when a new window opens far ahead of the clock.
 * {@link #nowMillis()} may be called from any thread; two readers that see different anchors may get values that are
 * not in call order, which is harmless: the allocator serves max(last issued, physical time) (A1). Internally the
 * anchor is kept in microseconds so that re-anchoring every few tens of milliseconds loses no precision.
 */
public final class OracleTime {
  /** An anchor: physical time {@code physicalMicros} at monotonic time {@code monoNanos}. */
  record Anchor(long physicalMicros, long monoNanos) {
  }

  private final TsoClock clock;
  private final double maxSlew;
  private final AtomicReference<Anchor> anchor;

  /** An oracle time over {@code clock} with maximum slew rate {@code maxSlew}, anchored at the wall clock now. */
  public OracleTime(TsoClock clock, double maxSlew) {
    if (!(maxSlew > 0 && maxSlew < 1)) {
      throw new IllegalArgumentException("maxSlew must be in (0, 1): " + maxSlew);
    }
    this.clock = clock;
    this.maxSlew = maxSlew;
    this.anchor = new AtomicReference<>(new Anchor(Math.max(0, clock.wallMillis()) * 1000, clock.monoNanos()));
  }

  /** The physical time now, in milliseconds since the epoch. Thread-safe, lock-free. */
  public long nowMillis() {
    return Math.floorDiv(micros(Math.max(0, clock.wallMillis()), clock.monoNanos(), anchor.get(), maxSlew), 1000);
  }

  /** The contract itself: the physical time in microseconds at {@code wallMillis} and {@code monoNanos}. */
  static long micros(long wallMillis, long monoNanos, Anchor a, double slew) {
    long elapsedMicros = Math.max(0, monoNanos - a.monoNanos()) / 1000;
    long allowance = (long) (elapsedMicros * slew);
    long lowest = a.physicalMicros() + elapsedMicros - allowance;
    long highest = a.physicalMicros() + elapsedMicros + allowance;
    long wallMicros = wallMillis * 1000;
    return Math.max(lowest, Math.min(wallMicros, highest));
  }

  /** Re-anchors at the physical time of ({@code wallMillis}, {@code monoNanos}); called by the leader watch only. */
  void rebase(long wallMillis, long monoNanos) {
    Anchor a = anchor.get();
    anchor.set(new Anchor(micros(Math.max(0, wallMillis), monoNanos, a, maxSlew), monoNanos));
  }

  /**
   * Raises the physical time to at least {@code physicalMillis} (never lowers it): when a window opens far above the
   * clock, the oracle time continues from there at the monotonic rate instead of waiting for the wall clock. Called by
   * the leader watch only.
   */
  void raiseTo(long physicalMillis, long wallMillis, long monoNanos) {
    Anchor a = anchor.get();
    long now = micros(Math.max(0, wallMillis), monoNanos, a, maxSlew);
    anchor.set(new Anchor(Math.max(now, physicalMillis * 1000), monoNanos));
  }

  /** The maximum slew rate s. */
  double maxSlew() {
    return maxSlew;
  }

  /** The current anchor (tests). */
  Anchor anchor() {
    return anchor.get();
  }
}
