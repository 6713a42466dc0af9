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
    assertThat(applyTagged(HighWaterCommand.persist(2, 500, 160_000_000), 2))
        .isEqualTo(new HighWaterReply(HighWaterReply.Status.OK, 500, 2, 160_000_000, false));
    assertThat(applyTagged(HighWaterCommand.persist(2, 100), 2).value()).isEqualTo(500); // only grows
    assertThat(applyTagged(HighWaterCommand.persist(2, 900), 3)) // command term != entry term
        .isEqualTo(new HighWaterReply(HighWaterReply.Status.FENCED, 2, 3));
    assertThat(applyTagged(HighWaterCommand.load(4), 4).value()).isEqualTo(500);
    assertThat(applyTagged(HighWaterCommand.persist(3, 999), 3).status()) // older than the fenced term
        .isEqualTo(HighWaterReply.Status.FENCED);
    assertThat(HighWaterReply.decode(register.applyTagged(new byte[] {1, 2}, 4)).status())
        .isEqualTo(HighWaterReply.Status.BAD_COMMAND);
    assertThat(register.state()).isEqualTo(new HighWaterRegister.State(500, 4, 160_000_000, 2, false));
  }

  @Test
  void twoReplicasApplyingTheSameEntriesAgree() {
    HighWaterRegister other = new HighWaterRegister();
    long[][] entries = {{1, 1, 10}, {1, 2, 5}, {2, 1, 50}, {2, 2, 40}, {3, 3, 60}};
    for (long[] e : entries) {
      byte[] cmd = HighWaterCommand.persist(e[1], e[2]).encode();
      assertThat(register.apply(cmd, e[0])).isEqualTo(other.apply(cmd, e[0]));
    }
    assertThat(register.state()).isEqualTo(other.state()).isEqualTo(new HighWaterRegister.State(60, 3, 0, 3, false));
  }

  @Test
  void snapshotBytesRoundTripAndCorruptionIsRefused() throws IOException {
    register.apply(HighWaterCommand.persist(5, 1234, 240_000_000).encode(), 5);
    register.apply(HighWaterCommand.release(5, 1300).encode(), 5);
    byte[] snap = register.snapshot();
    assertThat(snap).hasSize(HighWaterRegister.SNAPSHOT_SIZE);
    HighWaterRegister restored = new HighWaterRegister();
    restored.restore(snap);
    HighWaterRegister.State expected = new HighWaterRegister.State(1300, 5, 240_000_000, 5, true);
    assertThat(restored.state()).isEqualTo(expected);

    byte[] flipped = snap.clone();
    flipped[4] ^= 1;
    assertThatThrownBy(() -> restored.restore(flipped)).isInstanceOf(IOException.class).hasMessageContaining("checksum");
    assertThatThrownBy(() -> restored.restore(new byte[3])).isInstanceOf(IOException.class).hasMessageContaining("size");
    assertThat(restored.state()).isEqualTo(expected); // unchanged by failed restores
  }

  @Test
  void aVersionOneSnapshotStillLoadsWithNoLeaseRecorded() throws IOException {
    java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(HighWaterRegister.SNAPSHOT_V1_SIZE);
    b.put((byte) 1).putLong(4321).putLong(7);
    java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
    crc.update(b.array(), 0, HighWaterRegister.SNAPSHOT_V1_SIZE - 4);
    b.putInt((int) crc.getValue());
    register.restore(b.array());
    assertThat(register.state()).isEqualTo(new HighWaterRegister.State(4321, 7, 0, 0, false));
  }

  @Test
  void r5TheLargestLeaseAnyPersistCarriedIsKeptAndLoaded() {
    applyTagged(HighWaterCommand.persist(2, 10, 240_000_000), 2);
    applyTagged(HighWaterCommand.persist(3, 20, 160_000_000), 3);
    HighWaterReply load = applyTagged(HighWaterCommand.load(4), 4);
    assertThat(load.largestLeaseNanos()).as("the longer, earlier lease").isEqualTo(240_000_000);
    assertThat(load.value()).isEqualTo(20);
    assertThat(load.leaseReleased()).isFalse();
  }

  @Test
  void h2AReleaseCountsOnlyAfterTheSameTermsLeaseAndALaterPersistEndsIt() {
    applyTagged(HighWaterCommand.persist(2, 100, 1), 2);
    HighWaterReply released = applyTagged(HighWaterCommand.release(2, 150), 2);
    assertThat(released.leaseReleased()).isTrue();
    assertThat(released.value()).as("the release raises the mark to what it could have served").isEqualTo(150);
    assertThat(applyTagged(HighWaterCommand.load(3), 3).leaseReleased()).as("a load grants no lease").isTrue();
    // A leader that loaded but never persisted releases nothing new, and the earlier release still stands.
    assertThat(applyTagged(HighWaterCommand.release(3, 150), 3).leaseReleased()).isTrue();
    assertThat(applyTagged(HighWaterCommand.persist(4, 200, 1), 4).leaseReleased()).as("a new lease").isFalse();
    assertThat(applyTagged(HighWaterCommand.load(5), 5).leaseReleased()).isFalse();
    // A release by a term whose lease is not the last granted one does not count.
    assertThat(applyTagged(HighWaterCommand.release(5, 200), 5).leaseReleased()).isFalse();
    // A stale release is fenced like anything else.
    assertThat(applyTagged(HighWaterCommand.release(4, 200), 4).status()).isEqualTo(HighWaterReply.Status.FENCED);
  }

  @Test
  void r4AValueAboveTheTimestampLimitIsRefusedDeterministicallyAndChangesNothing() {
    long max = io.tso4j.timestamp.Timestamp.MAX_PHYSICAL;
    applyTagged(HighWaterCommand.persist(2, 100, 1), 2);
    HighWaterRegister.State before = register.state();
    HighWaterReply persist = applyTagged(HighWaterCommand.persist(3, max + 1, 1), 3);
    assertThat(persist).isEqualTo(new HighWaterReply(HighWaterReply.Status.OUT_OF_RANGE, max, 3));
    assertThat(applyTagged(HighWaterCommand.release(3, Long.MAX_VALUE), 3).status())
        .isEqualTo(HighWaterReply.Status.OUT_OF_RANGE);
    assertThat(register.state()).as("not even the fenced term moved").isEqualTo(before);
    // The limit itself is a valid mark; a later leader's load of it is not an error here (F12 in the fence).
    assertThat(applyTagged(HighWaterCommand.persist(3, max, 1), 3).value()).isEqualTo(max);
    assertThat(applyTagged(HighWaterCommand.load(4), 4).value()).isEqualTo(max);
    HighWaterRegister other = new HighWaterRegister();
    other.apply(HighWaterCommand.persist(2, 100, 1).encode(), 2);
    assertThat(other.apply(HighWaterCommand.persist(3, max + 1, 1).encode(), 3)).as("every replica the same")
        .isEqualTo(persist);
  }

  @Test
  void taggedVersionOneCommandsFromAnOlderLogStillApply() {
    byte[] v1 = java.nio.ByteBuffer.allocate(HighWaterCommand.V1_SIZE).put((byte) 1).put((byte) 2).putLong(2)
        .putLong(77).array();
    assertThat(HighWaterRegister.isTsoCommand(HighWaterRegister.tag(v1))).isTrue();
    assertThat(HighWaterReply.decode(register.applyTagged(HighWaterRegister.tag(v1), 2)).value()).isEqualTo(77);
    assertThat(register.state().largestLeaseNanos()).isZero();
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
