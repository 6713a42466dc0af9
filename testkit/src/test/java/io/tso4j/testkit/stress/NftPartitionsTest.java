package io.tso4j.testkit.stress;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The nftables script of a kernel partition, without running nft: every node's connections are marked with its
 * group, a cut link drops both legs (connections the sender opened, by address; connections the receiver opened, by
 * mark), and nothing matches group 0 or 127.0.0.1 (the workload). The rules themselves run in {@code StressIT}.
 */
final class NftPartitionsTest {
  private static final List<NftPartitions.Member> MEMBERS = List.of(
      new NftPartitions.Member("n1", "127.0.0.11", 1_000_000_011L),
      new NftPartitions.Member("n2", "127.0.0.12", 1_000_000_012L),
      new NftPartitions.Member("n3", "127.0.0.13", 1_000_000_013L));

  @Test
  void aOneWayCutDropsBothLegsFromTheSenderOnly() {
    String script = NftPartitions.forTest("tso4j_nemesis_1", MEMBERS)
        .script(Set.of(new NftPartitions.Link("n1", "n2")), false);
    assertThat(script).contains("flush chain inet tso4j_nemesis_1 out")
        .contains("ct state new meta skgid 1000000011 ct mark set 1000000011")
        .contains("ct state new meta skgid 1000000013 ct mark set 1000000013")
        .contains("meta skgid 1000000011 ip daddr 127.0.0.12 counter drop")
        .contains("meta skgid 1000000011 ct mark 1000000012 counter drop")
        .doesNotContain("meta skgid 1000000012 ip daddr")
        .doesNotContain("127.0.0.1 ")
        .doesNotContain("skgid 0");
  }

  @Test
  void healingLeavesOnlyTheMarkingRules() {
    String script = NftPartitions.forTest("tso4j_nemesis_1", MEMBERS).script(Set.of(), true);
    assertThat(script).startsWith("table inet tso4j_nemesis_1 {").doesNotContain("drop")
        .contains("type filter hook output priority filter; policy accept;");
  }

  @Test
  void isolatingANodeCutsEachDirectionToEveryOther() {
    Set<NftPartitions.Link> links = new LinkedHashSet<>();
    links.addAll(NftPartitions.Link.both("n1", "n2"));
    links.addAll(NftPartitions.Link.both("n1", "n3"));
    String script = NftPartitions.forTest("t", MEMBERS).script(links, false);
    assertThat(script.lines().filter(l -> l.endsWith("drop")).count()).isEqualTo(8);
  }

  @Test
  void groupsAreUniquePerRunAndNode() {
    assertThat(NftPartitions.gidOf(4_194_304, 3)).isLessThan(Integer.MAX_VALUE);
    assertThat(NftPartitions.gidOf(100, 1)).isNotEqualTo(NftPartitions.gidOf(100, 2))
        .isNotEqualTo(NftPartitions.gidOf(101, 1));
  }
}
