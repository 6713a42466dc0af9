package io.tso4j.ratis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.tso4j.core.ConsensusException;
import io.tso4j.core.ConsensusException.Kind;
import io.tso4j.core.FenceConfig;
import io.tso4j.core.RefusedException;
import io.tso4j.core.TimestampOracle;
import io.tso4j.core.TsoClock;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A data dir the node cannot trust stops it with a message naming the file (docs/correctness.md S1), and none of the
 * damage ever yields a lower timestamp: a newer format marker, a missing snapshot file, a truncated log segment. The
 * compacted-log rule (where a missing snapshot is refused) is checked on synthetic layouts in {@code StorageCheckTest}.
 */
@Tag("ratis")
@Timeout(90)
final class StorageChecksIT {
  @TempDir
  Path dir;

  private final List<Throwable> fatal = new ArrayList<>();

  @Test
  void aFormatMarkerFromANewerVersionRefusesToStart() throws Exception {
    Path data = dir.resolve("newer");
    Files.createDirectories(data);
    Path marker = Files.writeString(data.resolve(DataDirFormat.FILE_NAME), "tso4j-data 99\n");
    ConsensusException e = startFailure(config("newer", data));
    assertThat(e.kind()).isEqualTo(Kind.PERMANENT);
    assertThat(e.getMessage()).contains(marker.toAbsolutePath().toString()).contains("format 99")
        .contains("newer tso4j");
  }

  @Test
  void aFreshDataDirGetsTheCurrentMarkerAndStartsAgain() throws Exception {
    Path data = dir.resolve("fresh");
    long first = serveOnce(config("fresh", data));
    assertThat(Files.readString(data.resolve(DataDirFormat.FILE_NAME)).strip())
        .isEqualTo("tso4j-data " + DataDirFormat.CURRENT);
    assertThat(serveOnce(config("fresh", data))).isGreaterThan(first);
  }

  /**
   * The newest snapshot file gone while the log still holds every entry (no compaction yet): harmless, the log
   * replays; the node serves above everything it served. (Under a compacted log it is refused: StorageCheckTest.)
   */
  @Test
  void aMissingSnapshotFileWithTheLogIntactResumesAboveEverythingServed() throws Exception {
    Path data = dir.resolve("nosnap");
    RatisDriverConfig cfg = RatisDriverConfig.builder().nodeId("nosnap").peer("nosnap", "127.0.0.1:" + freePort())
        .dataDir(data).snapshotThreshold(3).build();
    long served = serveUntilSnapshot(cfg);
    Path snapshot = newest(files(data, "snapshot\\.\\d+_\\d+"));
    Files.delete(snapshot);
    assertThat(serveOnce(cfg)).isGreaterThan(served);
    assertThat(fatal).isEmpty();
  }

  /**
   * A torn tail of the open segment is what a crash leaves; Ratis drops the partial entry (as Raft expects of an
   * entry that was never acknowledged). Whatever Ratis does with it, nothing lower is served.
   */
  @Test
  void aTruncatedLogSegmentRefusesToStartOrResumesAboveEverythingServed() throws Exception {
    Path data = dir.resolve("truncated");
    RatisDriverConfig cfg = config("truncated", data);
    long served = serveOnce(cfg);
    Path segment = newest(files(data, "log_(inprogress_)?\\d+(-\\d+)?"));
    long size = Files.size(segment);
    try (RandomAccessFile f = new RandomAccessFile(segment.toFile(), "rw")) {
      f.setLength(size - 7);
    }
    ConsensusException refused = null;
    long next = -1;
    try {
      next = serveOnce(cfg);
    } catch (ConsensusException e) {
      refused = e;
    }
    if (refused != null) {
      assertThat(refused.kind()).isEqualTo(Kind.PERMANENT);
      assertThat(refused.getMessage()).contains(data.toString());
    } else {
      assertThat(next).as("resumed after a torn tail: above everything served").isGreaterThan(served);
    }
    System.out.println("StorageChecksIT: truncated " + segment.getFileName() + " by 7 bytes: "
        + (refused != null ? "refused: " + refused.getMessage() : "resumed above " + served));
  }

  private long serveOnce(RatisDriverConfig cfg) throws ConsensusException {
    RatisDriver driver = RatisDriver.create(cfg);
    TimestampOracle oracle = new TimestampOracle(driver, FenceConfig.defaults(), TsoClock.system(), fatal::add);
    try {
      oracle.start();
      allocate(oracle);
      return oracle.lastIssued();
    } finally {
      oracle.close();
      driver.close();
    }
  }

  private long serveUntilSnapshot(RatisDriverConfig cfg) throws Exception {
    RatisDriver driver = RatisDriver.create(cfg);
    TimestampOracle oracle = new TimestampOracle(driver, FenceConfig.defaults(), TsoClock.system(), fatal::add);
    try {
      oracle.start();
      allocate(oracle);
      await().atMost(Duration.ofSeconds(20)).until(() -> files(cfg.dataDir(), "snapshot\\.\\d+_\\d+").size() >= 1);
      return oracle.lastIssued();
    } finally {
      oracle.close();
      driver.close();
    }
  }

  private static ConsensusException startFailure(RatisDriverConfig config) {
    RatisDriver d = null;
    try {
      d = RatisDriver.create(config);
      d.start(e -> { });
    } catch (ConsensusException e) {
      return e;
    } finally {
      if (d != null) {
        d.close();
      }
    }
    throw new AssertionError("start-up did not fail");
  }

  private static void allocate(TimestampOracle oracle) {
    await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(5)).until(() -> {
      try {
        oracle.allocate(1);
        return true;
      } catch (RefusedException e) {
        return false;
      }
    });
  }

  private static List<Path> files(Path base, String regex) throws IOException {
    if (!Files.exists(base)) {
      return List.of();
    }
    for (int attempt = 0; ; attempt++) {
      try (Stream<Path> s = Files.walk(base)) {
        return s.filter(p -> p.getFileName().toString().matches(regex)).toList();
      } catch (java.io.UncheckedIOException e) {
        if (attempt >= 10) {
          throw e; // a temporary file vanished while walking, ten times in a row
        }
      }
    }
  }

  private static Path newest(List<Path> paths) throws IOException {
    Path best = null;
    for (Path p : paths) {
      if (best == null || Files.getLastModifiedTime(p).compareTo(Files.getLastModifiedTime(best)) > 0) {
        best = p;
      }
    }
    assertThat(best).as("file found").isNotNull();
    return best;
  }

  private static RatisDriverConfig config(String id, Path data) throws IOException {
    return RatisDriverConfig.builder().nodeId(id).peer(id, "127.0.0.1:" + freePort()).dataDir(data).build();
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
      return s.getLocalPort();
    }
  }
}
