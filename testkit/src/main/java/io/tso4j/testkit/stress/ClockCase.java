package io.tso4j.testkit.stress;

/**
 * The cases of the {@link FaultKind#CLOCK_FAKETIME} fault, taken in turn (a seeded order), each on one node through
 * libfaketime ({@link FakeClock}), on {@code CLOCK_REALTIME} only (the monotonic clock stays real: libfaketime cannot
 * run a JVM's monotonic clock at a rate, since the JVM's timed waits are not rescaled). Steps, a jump mid-run, and
 * wall-clock rates.
 *
 * <p>docs/correctness.md states the bounds: the wall clock may step either way and drift at any rate (it only shapes
 * the physical part, which follows it at most at the slew rate s = 10 %); order never depends on it. Within the slew
 * bound the physical part follows the wall clock exactly; {@link #RATE_FAST_BEYOND_BOUND} is beyond it (the physical
 * part lags the wall clock, order still holds), run while the leader is cut off so that a failover happens on it.
 */
enum ClockCase {
  /** The wall clock of a node steps 2 s ahead, held, then back. */
  WALL_PLUS_2S("wall +2 s", 2_000, 0, 1.0, true),
  /** The wall clock steps 2 s back, held, then forward again. */
  WALL_MINUS_2S("wall -2 s", -2_000, 0, 1.0, true),
  /** The wall clock steps an hour ahead, held, then back. */
  WALL_PLUS_1H("wall +1 h", 3_600_000, 0, 1.0, true),
  /** The wall clock steps 5 s ahead, then mid-case 5 s behind real time, then back. */
  WALL_JUMP_MID_RUN("wall +5 s then -5 s mid-run", 5_000, -5_000, 1.0, true),
  /** A node's wall clock runs 0.1 % fast. */
  RATE_FAST_WITHIN_BOUND("wall 1.001x", 0, 0, 1.001, true),
  /** A node's wall clock runs 0.1 % slow. */
  RATE_SLOW_WITHIN_BOUND("wall 0.999x", 0, 0, 0.999, true),
  /**
   * A follower's wall clock runs 1.5× fast (beyond the slew bound), and while it does the leader is cut off, so that
   * the fast node may be the next leader and open its window on its fast clock.
   */
  RATE_FAST_BEYOND_BOUND("wall 1.5x on a follower + leader cut off", 0, 0, 1.5, false);

  private final String label;
  private final long firstOffsetMillis;
  private final long secondOffsetMillis;
  private final double rate;
  private final boolean withinBound;

  ClockCase(String label, long firstOffsetMillis, long secondOffsetMillis, double rate, boolean withinBound) {
    this.label = label;
    this.firstOffsetMillis = firstOffsetMillis;
    this.secondOffsetMillis = secondOffsetMillis;
    this.rate = rate;
    this.withinBound = withinBound;
  }

  /** A short description for the report. */
  String label() {
    return label;
  }

  /** The wall-clock offset of the first half (0 for rate cases). */
  long firstOffsetMillis() {
    return firstOffsetMillis;
  }

  /** The wall-clock offset of the second half (0: the first offset holds throughout). */
  long secondOffsetMillis() {
    return secondOffsetMillis;
  }

  /** The clock rate (1 for wall cases). */
  double rate() {
    return rate;
  }

  /** Whether a rate case. */
  boolean isRate() {
    return rate != 1.0;
  }

  /**
   * Whether the wall clock stays within the slew bound (the physical part follows it exactly); order must hold in
   * every case, since it never depends on the wall clock.
   */
  boolean withinBound() {
    return withinBound;
  }
}
