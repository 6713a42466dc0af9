package io.tso4j.ratis;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tso4j.core.ConsensusException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The storage rules on synthetic layouts (file names as Ratis writes them): docs/correctness.md S1. */
final class StorageCheckTest {
  private static final String GROUP = "75a0c0d4-7473-6f34-6a00-000000000001";

  @TempDir
  Path dir;

  private Path touch(String relative) throws IOException {
    Path p = dir.resolve(GROUP).resolve(relative);
    Files.createDirectories(p.getParent());
    return Files.writeString(p, "x");
  }

  @Test
  void aLogFromIndexZeroNeedsNoSnapshot() throws IOException {
    touch("current/log_0-41");
    touch("current/log_inprogress_42");
    assertThatCode(() -> StorageCheck.check("n1", dir, GROUP)).doesNotThrowAnyException();
    assertThatCode(() -> StorageCheck.check("n1", dir.resolve("absent"), GROUP)).doesNotThrowAnyException();
  }

  @Test
  void aCompactedLogNeedsASnapshotUpToTheEntryBeforeItsStart() throws IOException {
    touch("current/log_12-20");
    touch("current/log_inprogress_21");
    assertThatThrownBy(() -> StorageCheck.check("n1", dir, GROUP)).isInstanceOf(ConsensusException.class)
        .hasMessageContaining("starts at index 12").hasMessageContaining("no snapshot up to index 11")
        .hasMessageContaining("replace the node");
    touch("sm/snapshot.1_5");
    assertThatThrownBy(() -> StorageCheck.check("n1", dir, GROUP)).isInstanceOf(ConsensusException.class);
    touch("sm/snapshot.2_11");
    assertThatCode(() -> StorageCheck.check("n1", dir, GROUP)).doesNotThrowAnyException();
  }

  @Test
  void aMissingSnapshotUnderACompactedLogIsNamedByItsChecksumFile() throws IOException {
    touch("current/log_10-30");
    touch("sm/snapshot.1_9.md5");
    Path missing = dir.resolve(GROUP).resolve("sm").resolve("snapshot.1_9");
    assertThatThrownBy(() -> StorageCheck.check("n1", dir, GROUP)).isInstanceOf(ConsensusException.class)
        .hasMessageContaining(missing.toString()).hasMessageContaining("missing");
    touch("sm/snapshot.1_9");
    assertThatCode(() -> StorageCheck.check("n1", dir, GROUP)).doesNotThrowAnyException();
  }

  @Test
  void aMissingSnapshotWhileTheLogCoversEverythingIsHarmless() throws IOException {
    // What a crash between writing the checksum and renaming the snapshot into place leaves.
    touch("current/log_inprogress_0");
    touch("sm/snapshot.1_5");
    touch("sm/snapshot.1_5.md5");
    touch("sm/snapshot.1_9.md5");
    assertThatCode(() -> StorageCheck.check("n1", dir, GROUP)).doesNotThrowAnyException();
  }
}
