package io.tso4j.testkit.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.tso4j.core.FenceConfig;
import io.tso4j.core.FenceTimings;
import io.tso4j.core.TimestampOracle;
import io.tso4j.core.UnsafeFenceSwitch;
import io.tso4j.testkit.stress.HistoryChecker;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The lease release (docs/correctness.md H2), with callers on every node and the real-time-order checker over all
 * their calls: a graceful handoff that releases lets the new leader skip its lease wait and keeps order; a new leader
 * that skips the wait <em>without</em> a release (the positive control) while an isolated old leader still holds a long
 * lease is caught by the checker; the real rule, on the same situation, waits and keeps order.
 */
@Tag("ratis")
@Timeout(120)
final class RatisLeaseReleaseIT {
  private static final Duration LONG_MIN = Duration.ofMillis(2_000);
  private static final Duration LONG_MAX = Duration.ofMillis(4_000);
  private static final Duration SHORT_MIN = Duration.ofMillis(200);
  private static final Duration SHORT_MAX = Duration.ofMillis(400);
  /** Keep-alives every 50 ms on every node, so followers with a 200 ms election timeout keep hearing the leader. */
  private static final FenceConfig FENCE = FenceConfig.defaults().withKeepAliveInterval(Duration.ofMillis(50));

  @TempDir
  Path dir;

  private static List<TimestampOracle> oracles(RatisTestCluster c) {
    List<TimestampOracle> l = new ArrayList<>();
    for (int i = 0; i < c.size(); i++) {
      l.add(c.oracle(i));
    }
    return l;
  }

  @Test
  void aGracefulHandoffReleasesTheLeaseAndTheNewLeaderSkipsItsWaitInOrder() throws Exception {
    try (RatisTestCluster c = RatisTestCluster.start(3, dir)) {
      int old = c.awaitServingLeader();
      HistoryChecker.Result result;
      int next;
      try (OracleCallers callers = new OracleCallers(oracles(c), 20)) {
        Thread.sleep(300);
        assertThat(c.oracle(old).stopServingAndReleaseLease(Duration.ofSeconds(1))).as("released").isTrue();
        assertThat(c.driver(old).transferLeadership(Duration.ofSeconds(2))).isPresent();
        next = c.awaitServingLeader(i -> i != old);
        Thread.sleep(300);
        result = callers.check();
        assertThat(callers.successes(old)).as("the old leader served before the handoff").isPositive();
        assertThat(callers.successes(next)).as("the new leader served after it").isPositive();
      }
      assertThat(result.samples()).isEmpty();
      assertThat(result.ok()).isTrue();
      FenceTimings t = c.oracle(next).stats().lastFence().orElseThrow();
      assertThat(t.waitReason()).isEqualTo(FenceTimings.WaitReason.SKIPPED_AFTER_RELEASE);
      assertThat(t.leaseWait()).isZero();
      assertThat(c.fatalErrors()).isEmpty();
    }
  }

  @Test
  void h3AHandoffThatServesThroughTheTransferKeepsOrderAndTheNewLeaderWaitsOutThatLease() throws Exception {
    try (RatisTestCluster c = RatisTestCluster.start(3, dir)) {
      int old = c.awaitServingLeader();
      HistoryChecker.Result result;
      int next;
      try (OracleCallers callers = new OracleCallers(oracles(c), 20)) {
        Thread.sleep(300);
        assertThat(c.oracle(old).prepareHandoff(Duration.ofSeconds(1))).as("renewed, keep-alives held").isPositive();
        long servedBefore = callers.servedSoFar(old);
        Thread.sleep(20);
        assertThat(callers.servedSoFar(old)).as("still serving on the renewed lease").isGreaterThan(servedBefore);
        assertThat(c.driver(old).transferLeadership(Duration.ofSeconds(2))).isPresent();
        Thread.sleep(200);
        assertThat(c.oracle(old).stopServingAndReleaseLease(Duration.ofSeconds(1)))
            .as("no longer leading after the transfer: nothing to release").isFalse();
        next = c.awaitServingLeader(i -> i != old);
        Thread.sleep(300);
        result = callers.check();
        assertThat(callers.successes(next)).as("the new leader served after it").isPositive();
      }
      assertThat(result.samples()).isEmpty();
      assertThat(result.ok()).isTrue();
      FenceTimings t = c.oracle(next).stats().lastFence().orElseThrow();
      assertThat(t.waitReason()).as("no release: the lease is waited out (F6/F6b)")
          .isNotEqualTo(FenceTimings.WaitReason.SKIPPED_AFTER_RELEASE);
      assertThat(c.fatalErrors()).isEmpty();
    }
  }

  /** An isolated old leader with a 1.6 s lease; the others elect with 200 ms timeouts. Returns the checker's result. */
  private HistoryChecker.Result isolateALongLeaseLeader(boolean skipWithoutRelease, Path base,
      FenceTimings[] newLeaderFence) throws Exception {
    try (RatisTestCluster c = RatisTestCluster.create(3, base, 0)) {
      for (int i = 0; i < c.size(); i++) {
        c.setRpcTimeout(i, LONG_MIN, LONG_MAX).setFence(i, FENCE);
      }
      c.startAll();
      int old = MixedLeaseSupport.leaderWithShortTimeoutFollowers(c, LONG_MIN, LONG_MAX, SHORT_MIN, SHORT_MAX);
      assertThat(c.driver(old).leaseDuration()).isEqualTo(Duration.ofMillis(1_600));
      if (skipWithoutRelease) {
        IntStream.range(0, c.size()).filter(i -> i != old)
            .forEach(i -> UnsafeFenceSwitch.skipLeaseWaitWithoutRelease(c.oracle(i)));
      }
      HistoryChecker.Result result;
      try (OracleCallers callers = new OracleCallers(oracles(c), 30)) {
        Thread.sleep(300);
        c.isolate(old);
        int next = c.awaitServingLeader(i -> i != old);
        // Both sides keep being asked until the old leader's lease has surely run out.
        Thread.sleep(2_500);
        result = callers.check();
        c.deIsolate(old);
        newLeaderFence[0] = c.oracle(next).stats().lastFence().orElseThrow();
        assertThat(callers.successes(old)).isPositive();
        assertThat(callers.successes(next)).isPositive();
      }
      assertThat(c.fatalErrors()).isEmpty();
      return result;
    }
  }

  @Test
  void positiveControlSkippingTheWaitWithoutAReleaseIsCaught() throws Exception {
    FenceTimings[] fence = new FenceTimings[1];
    HistoryChecker.Result result = isolateALongLeaseLeader(true, dir, fence);
    assertThat(fence[0].leaseWait()).as("the control skipped the wait").isZero();
    assertThat(result.realTimeViolations()).as("the checker catches the overlap: %s", result.samples()).isPositive();
  }

  @Test
  void theRealRuleWaitsOutTheLongLeaseAndKeepsOrder() throws Exception {
    FenceTimings[] fence = new FenceTimings[1];
    HistoryChecker.Result result = isolateALongLeaseLeader(false, dir, fence);
    assertThat(result.samples()).as("fence %s", fence[0]).isEmpty();
    assertThat(result.ok()).isTrue();
    // Counted from the load's send (F6) or from the last grant's arrival or apply here (F6b, F6c), whichever ends
    // sooner; either way the isolated leader's 1.6 s lease is what is waited out, and the checker above saw no overlap.
    assertThat(fence[0].waitReason()).isIn(FenceTimings.WaitReason.LARGEST_SEEN,
        FenceTimings.WaitReason.SINCE_LAST_GRANT);
    assertThat(fence[0].waitedLease()).isEqualTo(Duration.ofMillis(1_600));
  }
}
