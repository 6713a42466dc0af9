package io.tso4j.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** The contract of {@link OracleTime}: physical = clamp(wall, P0 + (1 − s)Δ, P0 + (1 + s)Δ), on a manual clock. */
final class OracleTimeTest {
  private static final long HOUR = 3_600_000;
  private static final double SLEW = 0.1;
  private final ManualClock clock = new ManualClock(1_700_000_000_000L);
  private final OracleTime time = new OracleTime(clock, SLEW);

  /** Lets {@code millis} of real time pass in 50 ms samples (as the leader watch rebases), checking each reading. */
  private void run(long millis, double wallRate) {
    long prev = time.nowMillis();
    for (long t = 0; t < millis; t += 50) {
      clock.advanceMono(50);
      clock.jumpWall(Math.round(50 * wallRate));
      long now = time.nowMillis();
      assertThat(now).as("never back").isGreaterThanOrEqualTo(prev);
      assertThat(now - prev).as("never faster than (1 + s) x mono").isLessThanOrEqualTo(Math.round(50 * (1 + SLEW)) + 1);
      assertThat(now - prev).as("never slower than (1 - s) x mono").isGreaterThanOrEqualTo(Math.round(50 * (1 - SLEW)) - 1);
      time.rebase(clock.wallMillis(), clock.monoNanos());
      prev = now;
    }
  }

  @Test
  void withASaneWallClockTheOracleTimeIsTheWallClock() {
    for (int i = 0; i < 100; i++) {
      clock.advance(37);
      assertThat(time.nowMillis()).isEqualTo(clock.wallMillis());
      time.rebase(clock.wallMillis(), clock.monoNanos());
    }
  }

  @Test
  void aForwardStepIsFollowedAtTheSlewRateOnly() {
    long trueTime = clock.wallMillis();
    clock.jumpWall(HOUR);
    run(10_000, 1.0);
    trueTime += 10_000;
    long lead = time.nowMillis() - trueTime;
    assertThat(lead).as("dragged ahead by at most s x 10 s").isBetween(900L, 1_010L);
    // The step is undone: the oracle time keeps advancing (never back) and converges on the wall clock again.
    clock.jumpWall(-HOUR);
    run(20_000, 1.0);
    assertThat(time.nowMillis()).isEqualTo(clock.wallMillis());
  }

  @Test
  void aBackwardStepNeverLowersTheTimeAndItKeepsAdvancing() {
    long before = time.nowMillis();
    clock.jumpWall(-HOUR);
    run(10_000, 1.0);
    assertThat(time.nowMillis() - before).as("advanced at (1 - s) x mono").isBetween(9_000L, 9_100L);
    assertThat(time.nowMillis()).isGreaterThan(clock.wallMillis() + HOUR - 1_100);
  }

  @Test
  void aFastWallClockIsFollowedAtMostOnePlusSlewAsFast() {
    long start = time.nowMillis();
    run(10_000, 2.0);
    assertThat(time.nowMillis() - start).isBetween(10_900L, 11_010L);
    assertThat(clock.wallMillis() - start).isEqualTo(20_000L);
  }

  @Test
  void raiseToLiftsTheTimeAndItContinuesFromThereAtTheMonotonicRate() {
    long far = clock.wallMillis() + 10L * 365 * 24 * HOUR;
    time.raiseTo(far, clock.wallMillis(), clock.monoNanos());
    assertThat(time.nowMillis()).isEqualTo(far);
    run(1_000, 1.0);
    assertThat(time.nowMillis() - far).as("advances without the wall clock reaching it").isBetween(900L, 1_000L);
    long now = time.nowMillis();
    time.raiseTo(now - 5_000, clock.wallMillis(), clock.monoNanos());
    assertThat(time.nowMillis()).as("never lowered").isEqualTo(now);
  }

  @Test
  void theContractIsAClampOfTheWallClock() {
    OracleTime.Anchor a = new OracleTime.Anchor(1_000_000, 0);
    long tenMs = 10_000_000;
    assertThat(OracleTime.micros(1_010, tenMs, a, SLEW)).isEqualTo(1_010_000);
    assertThat(OracleTime.micros(5_000, tenMs, a, SLEW)).as("capped above").isEqualTo(1_011_000);
    assertThat(OracleTime.micros(0, tenMs, a, SLEW)).as("floored below").isEqualTo(1_009_000);
    assertThat(OracleTime.micros(0, -tenMs, a, SLEW)).as("a monotonic reading before the anchor counts as 0")
        .isEqualTo(1_000_000);
  }

  @Test
  void theSlewRateMustBeAFraction() {
    assertThatThrownBy(() -> new OracleTime(clock, 0)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new OracleTime(clock, 1)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> FenceConfig.builder().maxClockSlew(1.5).build())
        .hasMessageContaining(FenceConfig.MAX_CLOCK_SLEW_KEY);
  }
}
