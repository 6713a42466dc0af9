package io.tso4j.core;

import static org.assertj.core.api.Assertions.assertThat;

import io.tso4j.core.OracleSimulation.Node;
import io.tso4j.core.memory.InMemoryDriver;
import io.tso4j.timestamp.Timestamp;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Hostile clocks on the leader, then a leader change (docs/correctness.md C1–C4): the oracle keeps serving, in order,
 * and one node's bad clock drags the high-water mark ahead by at most the slew rate times the trouble's duration.
 * Deterministic: an {@link OracleSimulation} of two nodes on manual clocks; one client call per simulated
 * millisecond, on whichever node is meant to serve.
 */
final class ClockTroubleTest {
  private static final long T0 = 1_700_000_000_000L;
  private static final long HOUR = 3_600_000;
  private static final long YEARS_10 = 10L * 365 * 24 * HOUR;
  private static final FenceConfig CONFIG = FenceConfig.defaults();
  private static final long WINDOW = CONFIG.window().toMillis();

  private final OracleSimulation sim = new OracleSimulation();
  private Node a;
  private Node b;
  private long maxIssued = -1;
  private int grants;

  @BeforeEach
  void startWithAServing() {
    a = sim.node("a", T0, new LeadershipEvent.Leader(2), CONFIG);
    b = sim.node("b", T0, InMemoryDriver.follower(2, "a"), CONFIG);
    a.start();
    b.start();
    assertThat(runUntilServing(a, 1_000)).as("a serves after its fence").isTrue();
    assertServesContinuously(a, 500);
  }

  private boolean runUntilServing(Node n, long maxMillis) {
    for (long t = 0; t < maxMillis && !n.serving(); t++) {
      sim.step();
    }
    return n.serving();
  }

  /** Runs {@code millis} with one call per millisecond on {@code n}; returns the longest run of refusals. */
  private int run(Node n, long millis, int count) {
    int run = 0;
    int longest = 0;
    for (long t = 0; t < millis; t++) {
      sim.step();
      Grant g = n.allocate(count);
      if (g == null) {
        longest = Math.max(longest, ++run);
        continue;
      }
      run = 0;
      assertThat(g.first()).as("in order across nodes and terms (at %d ms on %s)", sim.elapsedMillis(), n)
          .isGreaterThan(maxIssued);
      maxIssued = g.last();
      grants++;
    }
    return longest;
  }

  private void assertServesContinuously(Node n, long millis) {
    assertServesContinuously(n, millis, 100);
  }

  private void assertServesContinuously(Node n, long millis, int count) {
    int before = grants;
    assertThat(run(n, millis, count)).as("longest run of refused calls on %s", n).isLessThanOrEqualTo(2);
    assertThat(grants - before).isGreaterThanOrEqualTo((int) (millis - 10));
  }

  /** Moves leadership from a to b (term 3); b must fence and then serve without pause. */
  private void failoverToB() {
    a.driver.setLeadership(InMemoryDriver.follower(3, "b"));
    b.driver.setLeadership(new LeadershipEvent.Leader(3));
    assertThat(runUntilServing(b, 1_000)).as("b serves after its fence").isTrue();
    assertServesContinuously(b, 6_000);
    assertThat(a.fatal).isEmpty();
    assertThat(b.fatal).isEmpty();
  }

  /** How far the persisted mark is ahead of the true time (b's sane wall clock). */
  private long markLead() {
    return sim.register.highWater() - b.clock.wallMillis();
  }

  @Test
  void aForwardStepOfOneHourForTenSecondsDragsTheMarkBySlewTimesTenSeconds() {
    a.clock.jumpWall(HOUR);
    assertServesContinuously(a, 10_000);
    a.clock.jumpWall(-HOUR);
    assertServesContinuously(a, 1_000);
    assertThat(markLead()).as("at most s x 10 s beyond one window").isLessThanOrEqualTo(WINDOW + 1_000 + 50);
    failoverToB();
    assertThat(markLead()).isLessThanOrEqualTo(WINDOW + 1_000 + 50);
  }

  @Test
  void aForwardStepOfOneHourForGoodIsFollowedAtTheSlewRateOnly() {
    a.clock.jumpWall(HOUR);
    assertServesContinuously(a, 10_000);
    assertThat(markLead()).isLessThanOrEqualTo(WINDOW + 1_000 + 50);
    failoverToB();
  }

  @Test
  void aBackwardStepOfOneHourNeverStopsTheLeaderNorLowersAnything() {
    a.clock.jumpWall(-HOUR);
    // At full load (a whole millisecond per call) the physical part moves one millisecond per call by borrowing.
    // Before the oracle time the window slid with the wall clock only: after one window (3 s) the leader was
    // WINDOW_EXHAUSTED until its wall clock came back, an hour later. Now the window slides with the oracle time.
    assertServesContinuously(a, 10_000, Timestamp.PER_MILLISECOND);
    assertThat(a.allocator.lastIssued()).isEqualTo(maxIssued);
    failoverToB();
  }

  @Test
  void aWallClockRunningTwiceAsFastIsFollowedAtOnePlusSlew() {
    a.extraWallPerMilli = 1;
    assertServesContinuously(a, 10_000);
    assertThat(markLead()).as("s x 10 s beyond one window").isLessThanOrEqualTo(WINDOW + 1_000 + 50);
    failoverToB();
  }

  @Test
  void aMarkRaisedTenYearsAheadDoesNotStopTheNextLeader() {
    long far = T0 + YEARS_10;
    assertThat(a.driver.persistHighWater(far, 2).join()).isEqualTo(far);
    assertServesContinuously(a, 500);
    // Before the fix the next leader opened at far + 1 with a window of one millisecond, served 262,144 timestamps
    // and then refused (WINDOW_EXHAUSTED) until its wall clock reached the mark: ten years.
    failoverToB();
    assertThat(Timestamp.physicalOf(maxIssued)).isGreaterThan(far);
    assertThat(b.allocator.limit() - far).as("the window slides from the mark with the monotonic clock")
        .isGreaterThan(5_000);
  }
}
