package io.tso4j.ratis.embed;

import java.nio.file.Path;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The TSO riding in a 3-node host KV group's own log: failover, snapshots with purge, full restart. */
@Tag("ratis")
@Timeout(60)
final class PiggybackEmbedIT {
  @TempDir
  Path dir;

  @Test
  void hostLeaderKillKeepsTimestampsIncreasing() throws Exception {
    EmbedScenarios.leaderKill(EmbeddedTso.Mode.PIGGYBACK, dir);
  }

  @Test
  void hostDataAndMarkSurviveSnapshotPurgeAndFullRestart() throws Exception {
    EmbedScenarios.snapshotPurgeRestart(EmbeddedTso.Mode.PIGGYBACK, dir);
  }
}
