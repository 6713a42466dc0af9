package io.tso4j.testkit.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.tso4j.core.FenceTimings;
import io.tso4j.core.Grant;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Lease lengths differ per node (docs/correctness.md F6, R5): an old leader with rpc-timeout-min 300 ms (lease 240 ms)
 * is followed by a node with rpc-timeout-min 200 ms (lease 160 ms). The register keeps the largest lease any persist
 * carried, so the new leader waits 240 ms + drift after its load, not its own 160 ms.
 */
@Tag("ratis")
@Timeout(90)
final class RatisLeaseLengthIT {
  @TempDir
  Path dir;

  @Test
  void aNewLeaderWithAShorterLeaseWaitsOutTheLongestLeaseOnRecord() throws Exception {
    try (RatisTestCluster c = RatisTestCluster.create(3, dir, 0)) {
      for (int i = 0; i < c.size(); i++) {
        c.setRpcTimeout(i, Duration.ofMillis(300), Duration.ofMillis(600));
      }
      c.startAll();
      int old = MixedLeaseSupport.leaderWithShortTimeoutFollowers(c, Duration.ofMillis(300), Duration.ofMillis(600),
          Duration.ofMillis(200), Duration.ofMillis(400));
      assertThat(c.driver(old).leaseDuration()).isEqualTo(Duration.ofMillis(240));
      Grant before = c.allocate(old);

      c.kill(old);
      int next = c.awaitServingLeader(i -> i != old);
      assertThat(c.driver(next).leaseDuration()).isEqualTo(Duration.ofMillis(160));
      FenceTimings t = c.oracle(next).stats().lastFence().orElseThrow();
      assertThat(t.waitReason()).isIn(FenceTimings.WaitReason.LARGEST_SEEN, FenceTimings.WaitReason.SINCE_LAST_GRANT);
      assertThat(t.waitedLease()).as("the register's longer lease, not its own 160 ms").isEqualTo(
          Duration.ofMillis(240));
      if (t.waitReason() == FenceTimings.WaitReason.LARGEST_SEEN) {
        // By the load-sent rule the renewal is sent no earlier than the largest lease + drift after the load was sent
        // (by F6b it may be sooner: a lease after the last grant was applied here).
        assertThat(t.load().plus(t.persist()).plus(t.leaseWait())).isGreaterThanOrEqualTo(Duration.ofMillis(260));
      }
      assertThat(c.allocate(next).first()).isGreaterThan(before.last());
      assertThat(c.fatalErrors()).isEmpty();
    }
  }
}
