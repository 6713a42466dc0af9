package io.tso4j.ratis.embed;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.tso4j.core.Grant;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.IntStream;
import org.apache.ratis.protocol.RaftGroupId;

/** The failover and snapshot scenarios run in both embedding modes. */
final class EmbedScenarios {
  private EmbedScenarios() {
  }

  /** Kill the TSO leader: the next leader grants above everything served, and the host's data is intact. */
  static void leaderKill(EmbeddedTso.Mode mode, Path dir) throws Exception {
    try (HostCluster c = HostCluster.start(mode, 3, dir, false)) {
      int old = c.awaitServingLeader();
      Grant last = null;
      for (int i = 0; i < 100; i++) {
        Grant g = c.allocate(old);
        if (last != null) {
          assertThat(g.first()).isGreaterThan(last.last());
        }
        last = g;
        if (i % 10 == 0) {
          c.put("k" + i, Long.toString(g.first()));
        }
      }
      if (mode == EmbeddedTso.Mode.PIGGYBACK) {
        assertThat(c.tso(old).leaderId()).contains(c.tso(old).nodeId()); // the host's leader is the TSO's
      }
      c.kill(old);
      long servedByOld = c.tso(old).oracle().lastIssued();
      assertThat(servedByOld).isGreaterThanOrEqualTo(last.last());

      int next = c.awaitServingLeader();
      assertThat(next).isNotEqualTo(old);
      Grant first = c.allocate(next);
      assertThat(first.first()).isGreaterThan(servedByOld);
      assertThat(first.term()).isGreaterThan(last.term());
      c.put("after", Long.toString(first.first()));
      await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> c.allData().values().forEach(d ->
          assertThat(d).containsKeys("k0", "k90", "after").hasSize(11)));
      assertThat(c.fatalErrors()).isEmpty();
    }
  }

  /**
   * Snapshots with log purging, then a full restart: each node's first state after restart (snapshot only, no quorum
   * yet) holds both the host's data and the high-water mark, and the restarted TSO grants above everything served.
   */
  static void snapshotPurgeRestart(EmbeddedTso.Mode mode, Path dir) throws Exception {
    long maxServed;
    long markBefore;
    long kvIndex;
    long tsoIndex;
    Map<String, String> stamped = new TreeMap<>();
    try (HostCluster c = HostCluster.start(mode, 3, dir, true)) {
      int leader = c.awaitServingLeader();
      for (int i = 0; i < 40; i++) {
        stamped.put("k" + i, Long.toString(c.allocate(leader).first()));
        c.put("k" + i, stamped.get("k" + i));
      }
      markBefore = c.highWater(leader);
      assertThat(markBefore).isPositive();
      kvIndex = c.appliedIndex(leader, c.hostGroupId());
      tsoIndex = c.appliedIndex(leader, c.tsoGroupId());
      // Until every node purged its logs past those indexes, only snapshots can hold the data and the mark.
      // (Co-hosted: the KV group has no keep-alives, so filler writes drive its snapshots.)
      int[] filler = {0};
      await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(50)).until(() -> {
        if (mode == EmbeddedTso.Mode.COHOSTED) {
          c.put("filler" + filler[0]++, "x");
        }
        return purgedPast(c, c.hostGroupId(), kvIndex) && purgedPast(c, c.tsoGroupId(), tsoIndex);
      });
      for (int i = 0; i < 3; i++) {
        c.kill(i);
      }
      maxServed = IntStream.range(0, 3).mapToLong(i -> c.tso(i).oracle().lastIssued()).max().orElseThrow();
      assertThat(maxServed).isPositive();

      c.restart(0);
      // Alone (no quorum, so nothing new commits): what node 0 holds came from its snapshot.
      assertThat(c.logStartIndex(0, c.hostGroupId())).isGreaterThan(kvIndex);
      assertThat(c.kv(0).loadedSnapshotIndex()).isGreaterThanOrEqualTo(kvIndex);
      assertThat(c.kv(0).entries()).containsAllEntriesOf(stamped);
      assertThat(c.highWater(0)).isGreaterThanOrEqualTo(markBefore);

      c.restart(1);
      c.restart(2);
      int again = c.awaitServingLeader();
      Grant g = c.allocate(again);
      assertThat(g.first()).isGreaterThan(maxServed);
      await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> c.allData().values().forEach(d ->
          assertThat(d).containsAllEntriesOf(stamped)));
      assertThat(c.fatalErrors()).isEmpty();
    }
  }

  private static boolean purgedPast(HostCluster c, RaftGroupId gid, long index) throws Exception {
    for (int i = 0; i < c.size(); i++) {
      if (c.logStartIndex(i, gid) <= index) {
        return false;
      }
    }
    return true;
  }
}
