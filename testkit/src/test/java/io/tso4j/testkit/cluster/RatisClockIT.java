package io.tso4j.testkit.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.tso4j.core.FenceConfig;
import io.tso4j.core.Grant;
import io.tso4j.core.RefusedException;
import io.tso4j.core.TimestampOracle;
import io.tso4j.core.TsoClock;
import io.tso4j.timestamp.Timestamp;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Hostile clocks and marks on a real Raft cluster (docs/correctness.md C4, C5): a high-water mark ten years ahead of
 * every clock, and a leader whose wall clock steps an hour ahead for good; after a leader change the oracle keeps
 * serving, in order.
 */
@Tag("ratis")
@Timeout(90)
final class RatisClockIT {
  private static final long HOUR = 3_600_000;
  private static final long WINDOW = FenceConfig.WINDOW_DEFAULT.toMillis();

  @TempDir
  Path dir;

  /** A wall clock with an offset that can be changed while running; the monotonic clock is the real one. */
  private static final class SteppedClock implements TsoClock {
    volatile long offsetMillis;

    @Override
    public long wallMillis() {
      return System.currentTimeMillis() + offsetMillis;
    }

    @Override
    public long monoNanos() {
      return System.nanoTime();
    }
  }

  /**
   * Calls {@code oracle} with batches of {@code count} for at least {@code millis} and until at least {@code minServed}
   * timestamps were served (at most 30 s: a busy machine may freeze the lease now and then); checks every grant is
   * above {@code above} and the one before; returns the last value. Fails if WINDOW_EXHAUSTED refusals last longer
   * than 300 ms in a row: the symptom of a window that waits for the wall clock (a lapsed lease is not what is tested).
   */
  private static long serveContinuously(TimestampOracle oracle, long millis, int count, long above,
      long minServed) {
    long start = System.nanoTime();
    long end = start + TimeUnit.MILLISECONDS.toNanos(millis);
    long hardEnd = start + TimeUnit.SECONDS.toNanos(30);
    long last = above;
    long exhaustedSince = -1;
    long served = 0;
    while ((System.nanoTime() - end < 0 || served < minServed) && System.nanoTime() - hardEnd < 0) {
      try {
        Grant g = oracle.allocate(count);
        assertThat(g.first()).isGreaterThan(last);
        last = g.last();
        served += count;
        exhaustedSince = -1;
      } catch (RefusedException e) {
        long now = System.nanoTime();
        if (e.reason() != RefusedException.Reason.WINDOW_EXHAUSTED) {
          exhaustedSince = -1;
        } else if (exhaustedSince < 0) {
          exhaustedSince = now;
        } else {
          assertThat(Duration.ofNanos(now - exhaustedSince)).as("window exhausted for too long: %s", e.getMessage())
              .isLessThan(Duration.ofMillis(300));
        }
        Thread.onSpinWait();
      }
    }
    assertThat(served).isGreaterThanOrEqualTo(minServed);
    return last;
  }

  @Test
  void aMarkTenYearsAheadDoesNotStopTheNextLeader() throws Exception {
    try (RatisTestCluster c = RatisTestCluster.start(3, dir)) {
      int old = c.awaitServingLeader();
      Grant g = c.allocate(old);
      long far = System.currentTimeMillis() + 10L * 365 * 24 * HOUR;
      assertThat(c.driver(old).persistHighWater(far, g.term()).get(5, TimeUnit.SECONDS)).isEqualTo(far);
      c.kill(old);
      int next = c.awaitServingLeader(i -> i != old);
      long last = serveContinuously(c.oracle(next), 2_000, 10_000, g.last(),
          4L * Timestamp.PER_MILLISECOND); // more than the one millisecond the old window allowed
      assertThat(Timestamp.physicalOf(last)).isGreaterThan(far);
      assertThat(c.oracle(next).stats().clockLeadMillis()).as("the lead is reported").isGreaterThan(HOUR);
      assertThat(c.fatalErrors()).isEmpty();
    }
  }

  @Test
  void aLeaderWallClockAnHourAheadForGoodDragsTheMarkOnlyByTheSlewRate() throws Exception {
    SteppedClock[] clocks = new SteppedClock[3];
    try (RatisTestCluster c = RatisTestCluster.create(3, dir, 0)) {
      for (int i = 0; i < 3; i++) {
        clocks[i] = new SteppedClock();
        c.setClock(i, clocks[i]);
      }
      c.startAll();
      int old = c.awaitServingLeader();
      Grant before = c.allocate(old);
      long lead0 = Math.max(0, c.oracle(old).physicalTimeMillis() - System.currentTimeMillis());
      clocks[old].offsetMillis = HOUR;
      long start = System.currentTimeMillis();
      long last = serveContinuously(c.oracle(old), 3_000, 1_000, before.last(), 1);
      long elapsed = System.currentTimeMillis() - start;
      long slewed = (long) (FenceConfig.MAX_CLOCK_SLEW_DEFAULT * elapsed);
      long drag = c.oracle(old).physicalTimeMillis() - System.currentTimeMillis();
      assertThat(drag).as("the oracle time is ahead of the true time by at most s x elapsed (before the step: %d ms)",
          lead0).isLessThanOrEqualTo(lead0 + slewed + 200);
      // A fence in between (leadership can churn on a busy machine) serves up to one window above the oracle time (L4).
      assertThat(Timestamp.physicalOf(last) - System.currentTimeMillis()).as("served lead")
          .isLessThanOrEqualTo(WINDOW + lead0 + slewed + 200);
      assertThat(c.oracle(old).stats().clockForwardJumps()).isEqualTo(1);
      c.kill(old);
      int next = c.awaitServingLeader(i -> i != old);
      long after = serveContinuously(c.oracle(next), 2_000, 1_000, last, 1);
      assertThat(Timestamp.physicalOf(after) - System.currentTimeMillis())
          .as("the next leader's lead is one window plus the drag at most")
          .isLessThanOrEqualTo(WINDOW + lead0 + slewed + 500);
      assertThat(c.fatalErrors()).isEmpty();
    }
  }
}
