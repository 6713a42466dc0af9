package io.tso4j.testkit.cluster;

import static org.awaitility.Awaitility.await;

import io.tso4j.core.LeadershipEvent;
import java.time.Duration;
import java.util.Optional;
import java.util.stream.IntStream;
import org.awaitility.core.ConditionTimeoutException;

/** Builds the mixed-settings situation: a leader with a long lease whose followers now run short election timeouts. */
final class MixedLeaseSupport {
  private MixedLeaseSupport() {
  }

  /**
   * With every node of {@code c} started on long election timeouts ({@code longMin}/{@code longMax}), makes a node with
   * the long timeouts the serving leader and restarts each follower with the short ones ({@code min}/{@code max});
   * returns the leader's index once both followers follow it. If leadership moves meanwhile (a busy machine), the
   * setup is repeated: a short-timeout leader is restarted with the long timeouts, so that another long one leads.
   */
  static int leaderWithShortTimeoutFollowers(RatisTestCluster c, Duration longMin, Duration longMax, Duration min,
      Duration max) throws Exception {
    boolean[] isShort = new boolean[c.size()];
    for (int attempt = 0; attempt < 5; attempt++) {
      int leader = c.awaitServingLeader();
      if (isShort[leader]) {
        c.kill(leader);
        c.setRpcTimeout(leader, longMin, longMax);
        c.restart(leader);
        isShort[leader] = false;
        continue;
      }
      try {
        for (int f : IntStream.range(0, c.size()).filter(i -> i != leader).toArray()) {
          if (!isShort[f]) {
            c.kill(f);
            c.setRpcTimeout(f, min, max);
            c.restart(f);
            isShort[f] = true;
          }
          awaitFollowing(c, f, leader);
        }
        for (int f : IntStream.range(0, c.size()).filter(i -> i != leader).toArray()) {
          awaitFollowing(c, f, leader);
        }
      } catch (ConditionTimeoutException e) {
        continue;
      }
      if (c.oracle(leader).state().serving()) {
        return leader;
      }
    }
    throw new AssertionError("could not set up a long-lease leader with short-timeout followers in 5 attempts");
  }

  /** Waits (at most 20 s) until node {@code f} reports node {@code leader} as its leader. */
  static void awaitFollowing(RatisTestCluster c, int f, int leader) {
    await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(20)).until(() -> {
      LeadershipEvent e = c.driver(f).currentLeadership();
      return e instanceof LeadershipEvent.Follower fo && fo.leaderId().equals(Optional.of(c.id(leader)));
    });
  }
}
