package io.tso4j.testkit.cluster;

import io.tso4j.ratis.RatisDriver;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tso4j.core.ConsensusException;
import io.tso4j.core.ConsensusException.Kind;
import io.tso4j.core.LeadershipEvent;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** After a re-election, writes in the old term are FENCED by the state machine, and followers answer NOT_LEADER. */
@Tag("ratis")
@Timeout(60)
final class RatisFencingIT {
  @TempDir
  Path dir;

  @Test
  void staleTermWritesAreFencedAndFollowersAreNotLeaders() throws Exception {
    try (RatisTestCluster c = RatisTestCluster.start(3, dir)) {
      int old = c.awaitServingLeader();
      long oldTerm = c.allocate(old).term();
      c.kill(old);
      int leader = c.awaitServingLeader();
      RatisDriver d = c.driver(leader);
      long term = c.allocate(leader).term();
      assertThat(term).isGreaterThan(oldTerm);
      assertThat(d.currentLeadership()).isEqualTo(new LeadershipEvent.Leader(term));
      assertThat(d.leaderId()).contains(c.id(leader));

      assertThat(failure(d.persistHighWater(Long.MAX_VALUE / 2, oldTerm)).kind()).isEqualTo(Kind.FENCED);
      assertThat(failure(d.loadHighWater(oldTerm)).kind()).isEqualTo(Kind.FENCED);
      assertThat(failure(d.persistHighWater(1, term + 1)).kind()).isEqualTo(Kind.FENCED);
      // The fenced write did not raise the mark.
      assertThat(d.loadHighWater(term).get(5, TimeUnit.SECONDS).highWater()).isLessThan(Long.MAX_VALUE / 2);

      int follower = IntStream.range(0, 3).filter(i -> i != old && i != leader).findFirst().orElseThrow();
      RatisDriver f = c.driver(follower);
      assertThat(failure(f.persistHighWater(1, term)).kind()).isEqualTo(Kind.NOT_LEADER);
      assertThat(f.currentLeadership()).isInstanceOf(LeadershipEvent.Follower.class);
      assertThat(f.leaderId()).contains(c.id(leader));
      assertThat(f.peers()).containsOnlyKeys(c.id(0), c.id(1), c.id(2));

      c.kill(leader);
      assertThat(failure(d.persistHighWater(1, term)).kind()).isEqualTo(Kind.PERMANENT);
      assertThat(d.currentLeadership()).isEqualTo(new LeadershipEvent.Unknown(0));
      assertThat(c.fatalErrors()).isEmpty();
    }
  }

  private static ConsensusException failure(CompletableFuture<?> f) {
    Throwable[] seen = new Throwable[1];
    assertThatThrownBy(() -> f.get(10, TimeUnit.SECONDS)).satisfies(t -> seen[0] = t.getCause());
    assertThat(seen[0]).isInstanceOf(ConsensusException.class);
    return (ConsensusException) seen[0];
  }
}
