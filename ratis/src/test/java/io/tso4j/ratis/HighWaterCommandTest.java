package io.tso4j.ratis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** The binary formats of commands and replies. */
final class HighWaterCommandTest {
  @Test
  void commandsRoundTrip() {
    for (HighWaterCommand c : new HighWaterCommand[] {HighWaterCommand.load(7), HighWaterCommand.persist(3, 0),
        HighWaterCommand.persist(Long.MAX_VALUE, Long.MAX_VALUE), HighWaterCommand.persist(1, 1_700_000_000_000L),
        HighWaterCommand.persist(4, 9, 160_000_000), HighWaterCommand.release(5, 1_700_000_003_000L)}) {
      byte[] bytes = c.encode();
      assertThat(bytes).hasSize(HighWaterCommand.SIZE);
      assertThat(bytes[0]).isEqualTo(HighWaterCommand.VERSION);
      assertThat(HighWaterCommand.decode(bytes)).isEqualTo(c);
    }
  }

  @Test
  void layoutIsVersionOpTermValueLeaseBigEndian() {
    byte[] b = HighWaterCommand.persist(0x0102, 0x0A0B, 0x0C0D).encode();
    assertThat(b).containsExactly(2, 2, 0, 0, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 0, 0, 0x0A, 0x0B, 0, 0, 0, 0, 0, 0, 0x0C,
        0x0D);
    assertThat(HighWaterCommand.release(1, 2).encode()[1]).isEqualTo((byte) 3);
  }

  @Test
  void versionOneCommandsStillDecode() {
    byte[] v1 = {1, 2, 0, 0, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 0, 0, 0x0A, 0x0B};
    assertThat(HighWaterCommand.decode(v1)).isEqualTo(HighWaterCommand.persist(0x0102, 0x0A0B));
    byte[] v1Release = v1.clone();
    v1Release[1] = 3;
    assertThatThrownBy(() -> HighWaterCommand.decode(v1Release)).hasMessageContaining("version 1");
    byte[] v2Short = v1.clone();
    v2Short[0] = 2;
    assertThatThrownBy(() -> HighWaterCommand.decode(v2Short)).hasMessageContaining("version 2 command is 26");
  }

  @Test
  void malformedCommandsAreRejected() {
    byte[] good = HighWaterCommand.persist(5, 9).encode();
    assertThatThrownBy(() -> HighWaterCommand.decode(null)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> HighWaterCommand.decode(new byte[3])).hasMessageContaining("26 (or 18) bytes");
    byte[] version = good.clone();
    version[0] = 9;
    assertThatThrownBy(() -> HighWaterCommand.decode(version)).hasMessageContaining("version 9");
    byte[] op = good.clone();
    op[1] = 7;
    assertThatThrownBy(() -> HighWaterCommand.decode(op)).hasMessageContaining("op code 7");
    byte[] negative = good.clone();
    negative[2] = (byte) 0x80;
    assertThatThrownBy(() -> HighWaterCommand.decode(negative)).hasMessageContaining("term");
    byte[] loadWithValue = HighWaterCommand.load(5).encode();
    loadWithValue[17] = 1;
    assertThatThrownBy(() -> HighWaterCommand.decode(loadWithValue)).hasMessageContaining("LOAD");
    assertThatThrownBy(() -> HighWaterCommand.persist(1, -1)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> HighWaterCommand.persist(1, 1, -1)).hasMessageContaining("lease");
    assertThatThrownBy(() -> new HighWaterCommand(HighWaterCommand.Op.RELEASE, 1, 1, 5))
        .hasMessageContaining("carries no lease");
  }

  @Test
  void repliesRoundTripAndRejectGarbage() {
    for (HighWaterReply.Status s : HighWaterReply.Status.values()) {
      HighWaterReply r = new HighWaterReply(s, 42, 7, 160_000_000, s == HighWaterReply.Status.OK);
      assertThat(HighWaterReply.decode(r.encode())).isEqualTo(r);
    }
    byte[] v1 = {1, 0, 0, 0, 0, 0, 0, 0, 0, 42, 0, 0, 0, 0, 0, 0, 0, 7};
    assertThat(HighWaterReply.decode(v1)).isEqualTo(new HighWaterReply(HighWaterReply.Status.OK, 42, 7));
    HighWaterReply aged = new HighWaterReply(HighWaterReply.Status.OK, 42, 7, 160_000_000, false, 230_000_000L);
    assertThat(HighWaterReply.decode(aged.encode())).isEqualTo(aged);
    byte[] v2 = java.util.Arrays.copyOf(aged.encode(), HighWaterReply.V2_SIZE);
    v2[0] = 2;
    assertThat(HighWaterReply.decode(v2)).as("a version-2 reply has no age: unknown")
        .isEqualTo(new HighWaterReply(HighWaterReply.Status.OK, 42, 7, 160_000_000, false));
    byte[] flags = new HighWaterReply(HighWaterReply.Status.OK, 1, 1).encode();
    flags[HighWaterReply.V2_SIZE - 1] = 4;
    assertThatThrownBy(() -> HighWaterReply.decode(flags)).hasMessageContaining("flags");
    byte[] negativeAge = aged.encode();
    negativeAge[HighWaterReply.SIZE - 8] = (byte) 0x80;
    assertThatThrownBy(() -> HighWaterReply.decode(negativeAge)).hasMessageContaining("age");
    byte[] bad = new HighWaterReply(HighWaterReply.Status.OK, 1, 1).encode();
    bad[1] = 9;
    assertThatThrownBy(() -> HighWaterReply.decode(bad)).hasMessageContaining("status 9");
    assertThatThrownBy(() -> HighWaterReply.decode(new byte[2])).isInstanceOf(IllegalArgumentException.class);
  }
}
