package io.tso4j.server.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

final class RegisterBackupTest {
  @Test
  void roundTrips() throws IOException {
    RegisterBackup b = new RegisterBackup(1_733_000_000_123L, 1_733_000_000_000L, 7);
    byte[] bytes = b.encode();
    assertThat(bytes).hasSize(RegisterBackup.SIZE);
    assertThat(RegisterBackup.decode(bytes)).isEqualTo(b);
  }

  @Test
  void refusesWhatIsNotAnIntactBackupOfThisVersion() {
    byte[] good = new RegisterBackup(5, 6, 7).encode();
    assertThatThrownBy(() -> RegisterBackup.decode("hello".getBytes(java.nio.charset.StandardCharsets.US_ASCII)))
        .isInstanceOf(IOException.class).hasMessageContaining("not a tso4j backup");
    assertThatThrownBy(() -> RegisterBackup.decode(Arrays.copyOf(good, 30)))
        .isInstanceOf(IOException.class).hasMessageContaining("truncated");
    byte[] newer = good.clone();
    ByteBuffer.wrap(newer).putInt(8, 2);
    assertThatThrownBy(() -> RegisterBackup.decode(newer))
        .isInstanceOf(IOException.class).hasMessageContaining("version 2");
    byte[] flipped = good.clone();
    flipped[13] ^= 1;
    assertThatThrownBy(() -> RegisterBackup.decode(flipped))
        .isInstanceOf(IOException.class).hasMessageContaining("checksum");
  }
}
