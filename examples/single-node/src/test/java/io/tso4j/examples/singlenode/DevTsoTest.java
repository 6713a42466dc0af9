package io.tso4j.examples.singlenode;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tso4j.core.ConsensusException;
import io.tso4j.core.RefusedException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The single-node development TSO: durable across restarts, clear failures on a bad directory or after close. */
@Tag("ratis")
@Timeout(40)
final class DevTsoTest {
  @TempDir
  Path dir;

  @Test
  void timestampsAfterARestartAreAboveTheOldOnes() throws Exception {
    long last = -1;
    Path data = dir.resolve("tso");
    try (DevTso tso = DevTso.open(data, 10_000)) {
      for (int i = 0; i < 100; i++) {
        long t = tso.next();
        assertThat(t).isGreaterThan(last);
        last = t;
      }
    }
    try (DevTso tso = DevTso.open(data, 10_000)) {
      assertThat(tso.next()).isGreaterThan(last);
    }
  }

  @Test
  void aDataDirThatIsAFileIsRefusedAndAClosedTsoRefusesTimestamps() throws Exception {
    Path file = Files.createFile(dir.resolve("not-a-dir"));
    assertThatThrownBy(() -> DevTso.open(file, 1_000)).isInstanceOf(ConsensusException.class)
        .hasMessageContaining("not a directory");

    DevTso tso = DevTso.open(dir.resolve("ok"), 10_000);
    assertThat(tso.next()).isPositive(); // positive control
    tso.close();
    assertThatThrownBy(tso::next).isInstanceOf(RefusedException.class);
  }
}
