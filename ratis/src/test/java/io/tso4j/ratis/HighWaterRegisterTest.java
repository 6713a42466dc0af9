package io.tso4j.ratis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tso4j.core.LeadershipEvent;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftGroupMemberId;
import org.apache.ratis.protocol.RaftPeerId;
import org.junit.jupiter.api.Test;

/** The shared register: tagging, the apply rules through the tagged path, snapshot bytes, hints. */
final class HighWaterRegisterTest {
  private final HighWaterRegister register = new HighWaterRegister();

  private HighWaterReply applyTagged(HighWaterCommand cmd, long entryTerm) {
    return HighWaterReply.decode(register.applyTagged(HighWaterRegister.tag(cmd.encode()), entryTerm));
  }

  @Test
  void tagsRoundTripAndAreRecognisedOnlyWhenExact() {
    byte[] cmd = HighWaterCommand.persist(3, 77).encode();
    byte[] tagged = HighWaterRegister.tag(cmd);
    assertThat(tagged).hasSize(HighWaterRegister.TAGGED_SIZE);
    assertThat(HighWaterRegister.isTsoCommand(tagged)).isTrue();
    assertThat(HighWaterRegister.untag(tagged)).isEqualTo(cmd);

    assertThat(HighWaterRegister.isTsoCommand(cmd)).isFalse(); // untagged
    assertThat(HighWaterRegister.isTsoCommand(null)).isFalse();
    byte[] wrongPrefix = tagged.clone();
    wrongPrefix[3] ^= 1;
    assertThat(HighWaterRegister.isTsoCommand(wrongPrefix)).isFalse();
    byte[] longer = java.util.Arrays.copyOf(tagged, tagged.length + 1);
    assertThat(HighWaterRegister.isTsoCommand(longer)).isFalse();
    assertThatThrownBy(() -> HighWaterRegister.untag(cmd)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void taggedCommandsFollowTheApplyRules() {
    assertThat(applyTagged(HighWaterCommand.persist(2, 500), 2))
        .isEqualTo(new HighWaterReply(HighWaterReply.Status.OK, 500, 2));
    assertThat(applyTagged(HighWaterCommand.persist(2, 100), 2).value()).isEqualTo(500); // only grows
    assertThat(applyTagged(HighWaterCommand.persist(2, 900), 3)) // command term != entry term
        .isEqualTo(new HighWaterReply(HighWaterReply.Status.FENCED, 2, 3));
    assertThat(applyTagged(HighWaterCommand.load(4), 4).value()).isEqualTo(500);
    assertThat(applyTagged(HighWaterCommand.persist(3, 999), 3).status()) // older than the fenced term
        .isEqualTo(HighWaterReply.Status.FENCED);
    assertThat(HighWaterReply.decode(register.applyTagged(new byte[] {1, 2}, 4)).status())
        .isEqualTo(HighWaterReply.Status.BAD_COMMAND);
    assertThat(register.state()).isEqualTo(new HighWaterRegister.State(500, 4));
  }

  @Test
  void twoReplicasApplyingTheSameEntriesAgree() {
    HighWaterRegister other = new HighWaterRegister();
    long[][] entries = {{1, 1, 10}, {1, 2, 5}, {2, 1, 50}, {2, 2, 40}, {3, 3, 60}};
    for (long[] e : entries) {
      byte[] cmd = HighWaterCommand.persist(e[1], e[2]).encode();
      assertThat(register.apply(cmd, e[0])).isEqualTo(other.apply(cmd, e[0]));
    }
    assertThat(register.state()).isEqualTo(other.state()).isEqualTo(new HighWaterRegister.State(60, 3));
  }

  @Test
  void snapshotBytesRoundTripAndCorruptionIsRefused() throws IOException {
    register.apply(HighWaterCommand.persist(5, 1234).encode(), 5);
    byte[] snap = register.snapshot();
    HighWaterRegister restored = new HighWaterRegister();
    restored.restore(snap);
    assertThat(restored.state()).isEqualTo(new HighWaterRegister.State(1234, 5));

    byte[] flipped = snap.clone();
    flipped[4] ^= 1;
    assertThatThrownBy(() -> restored.restore(flipped)).isInstanceOf(IOException.class).hasMessageContaining("checksum");
    assertThatThrownBy(() -> restored.restore(new byte[3])).isInstanceOf(IOException.class).hasMessageContaining("size");
    assertThat(restored.state()).isEqualTo(new HighWaterRegister.State(1234, 5)); // unchanged by failed restores
  }

  @Test
  void forwardedNotificationsBecomeHints() {
    List<LeadershipEvent> hints = new ArrayList<>();
    register.setLeadershipHints(hints::add);
    RaftGroupMemberId me = RaftGroupMemberId.valueOf(RaftPeerId.valueOf("me"), RaftGroupId.randomId());
    register.notifyLeaderReady();
    register.notifyLeaderChanged(me, RaftPeerId.valueOf("other"));
    register.notifyNotLeader();
    assertThat(hints).containsExactly(new LeadershipEvent.Leader(0),
        new LeadershipEvent.Follower(0, Optional.of("other")), new LeadershipEvent.Unknown(0));
  }
}
