package io.tso4j.examples.piggybackkv;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.tso4j.core.RefusedException;
import io.tso4j.ratis.embed.EmbeddedTso;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The piggyback KV store: stamps keep increasing across a leader kill; followers refuse writes and stamps. */
@Tag("ratis")
@Timeout(60)
final class PiggybackKvExampleTest {
  @TempDir
  Path dir;

  @Test
  void stampsKeepIncreasingAcrossALeaderKill() throws Exception {
    try (KvCluster c = KvCluster.start(dir, 3, EmbeddedTso.Mode.PIGGYBACK, 0)) {
      List<Long> stamps = new ArrayList<>();
      for (int i = 0; i < 10; i++) {
        stamps.add(c.put("a" + i, "v" + i, 10_000));
      }
      KvNode old = c.awaitLeader(10_000);
      int oldIndex = indexOf(c, old);
      c.kill(oldIndex);
      for (int i = 0; i < 10; i++) {
        stamps.add(c.put("b" + i, "v" + i, 15_000));
      }
      assertThat(c.awaitLeader(1_000)).isNotSameAs(old);
      assertStrictlyIncreasing(stamps);
      await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
        for (int i = 0; i < c.size(); i++) {
          if (c.node(i) != null) {
            Map<String, StampedValue> e = c.node(i).store().entries();
            assertThat(e).hasSize(20);
            assertThat(e.get("b9").commitTs()).isEqualTo(stamps.get(19));
          }
        }
      });
    }
  }

  @Test
  void aFollowerRefusesBothStampsAndWrites() throws Exception {
    try (KvCluster c = KvCluster.start(dir, 3, EmbeddedTso.Mode.PIGGYBACK, 0)) {
      KvNode leader = c.awaitLeader(10_000);
      KvNode follower = c.node((indexOf(c, leader) + 1) % 3);
      assertThatThrownBy(() -> follower.localTimestamp(50)).isInstanceOf(RefusedException.class)
          .extracting(e -> ((RefusedException) e).reason()).isEqualTo(RefusedException.Reason.NOT_SERVING);
      assertThatThrownBy(() -> follower.put("k", "v", 1)).isInstanceOf(IOException.class)
          .hasMessageContaining("NotLeader");
      assertThat(leader.localTimestamp(1_000)).isPositive(); // positive control: the leader stamps
    }
  }

  @Test
  void strictlyIncreasingCheckRejectsRepeatsAndDrops() {
    assertStrictlyIncreasing(List.of(1L, 2L, 5L));
    assertThatThrownBy(() -> assertStrictlyIncreasing(List.of(1L, 3L, 3L))).isInstanceOf(AssertionError.class);
    assertThatThrownBy(() -> assertStrictlyIncreasing(List.of(4L, 2L))).isInstanceOf(AssertionError.class);
  }

  static void assertStrictlyIncreasing(List<Long> stamps) {
    for (int i = 1; i < stamps.size(); i++) {
      assertThat(stamps.get(i)).as("stamp %d", i).isGreaterThan(stamps.get(i - 1));
    }
  }

  private static int indexOf(KvCluster c, KvNode n) {
    for (int i = 0; i < c.size(); i++) {
      if (c.node(i) == n) {
        return i;
      }
    }
    throw new IllegalStateException("not in the cluster: " + n.id());
  }
}
