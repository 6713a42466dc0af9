package io.tso4j.testkit.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.tso4j.core.Grant;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Timestamps keep growing across a leader kill and across a full-cluster restart, on a real 3-node Ratis group. */
@Tag("ratis")
@Timeout(60)
final class RatisFailoverIT {
  @TempDir
  Path dir;

  @Test
  void newLeaderGrantsAboveEverythingTheKilledLeaderServed() throws Exception {
    try (RatisTestCluster c = RatisTestCluster.start(3, dir)) {
      int old = c.awaitServingLeader();
      Grant last = null;
      for (int i = 0; i < 200; i++) {
        Grant g = c.allocate(old);
        if (last != null) {
          assertThat(g.first()).isGreaterThan(last.last());
        }
        last = g;
      }
      long oldTerm = last.term();
      c.kill(old);
      long servedByOld = c.oracle(old).lastIssued();
      assertThat(servedByOld).isGreaterThanOrEqualTo(last.last());

      int next = c.awaitServingLeader();
      assertThat(next).isNotEqualTo(old);
      Grant first = c.allocate(next);
      assertThat(first.first()).isGreaterThan(servedByOld);
      assertThat(first.term()).isGreaterThan(oldTerm);
      assertThat(c.fatalErrors()).isEmpty();
    }
  }

  @Test
  void grantsAfterAFullRestartAreAboveEveryOldGrant() throws Exception {
    long maxBefore;
    try (RatisTestCluster c = RatisTestCluster.start(3, dir, 20)) {
      int leader = c.awaitServingLeader();
      for (int i = 0; i < 100; i++) {
        c.allocate(leader);
      }
      // Keep-alives add an entry every 50 ms; wait for a snapshot so the restart loads one.
      await().atMost(Duration.ofSeconds(10)).until(() -> snapshotCount(dir) > 0);
      for (int i = 0; i < 3; i++) {
        c.kill(i);
      }
      maxBefore = IntStream.range(0, 3).mapToLong(i -> c.oracle(i).lastIssued()).max().orElseThrow();
      assertThat(maxBefore).isPositive();

      for (int i = 0; i < 3; i++) {
        c.restart(i);
      }
      int again = c.awaitServingLeader();
      Grant g = c.allocate(again);
      assertThat(g.first()).isGreaterThan(maxBefore);
      assertThat(c.fatalErrors()).isEmpty();
    }
  }

  private static long snapshotCount(Path base) throws IOException {
    try (Stream<Path> s = Files.walk(base)) {
      return s.filter(p -> p.getFileName().toString().matches("snapshot\\.\\d+_\\d+")).count();
    }
  }
}
