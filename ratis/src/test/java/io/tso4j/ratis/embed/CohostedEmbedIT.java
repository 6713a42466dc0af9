package io.tso4j.ratis.embed;

import java.nio.file.Path;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The TSO as a second Raft group on 3 host servers: failover, snapshots with purge, full restart. */
@Tag("ratis")
@Timeout(60)
final class CohostedEmbedIT {
  @TempDir
  Path dir;

  @Test
  void serverKillKeepsTimestampsIncreasing() throws Exception {
    EmbedScenarios.leaderKill(EmbeddedTso.Mode.COHOSTED, dir);
  }

  @Test
  void hostDataAndMarkSurviveSnapshotPurgeAndFullRestart() throws Exception {
    EmbedScenarios.snapshotPurgeRestart(EmbeddedTso.Mode.COHOSTED, dir);
  }
}
