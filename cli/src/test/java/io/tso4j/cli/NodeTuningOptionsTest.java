package io.tso4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The tuning options reach the node: a real one-node local cluster keeps its Raft group under the given id. */
@Timeout(120)
final class NodeTuningOptionsTest {
  @TempDir
  Path dir;

  @Test
  void groupIdAndSnapshotThresholdReachRatis() throws IOException {
    UUID group = UUID.fromString("0badc0de-0000-4000-8000-000000000042");
    int base = freeBasePort();
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = Main.run(new String[] {"local-cluster", "--nodes", "1", "--base-port", Integer.toString(base),
        "--data-dir", dir.toString(), "--group-id", group.toString(), "--snapshot-threshold", "5",
        "--handoff-grace", "0s", "--run-for", "2s", "--no-metrics"}, Map.of(), new PrintWriter(out, true), new PrintWriter(err, true));
    assertThat(code).as(err.toString()).isEqualTo(ExitCodes.OK);
    assertThat(out.toString()).contains("leader: n1");
    assertThat(dir.resolve("n1").resolve(group.toString())).isDirectory();
    assertThat(dir.resolve("n1").resolve(io.tso4j.server.NodeTuning.DEFAULT_GROUP_ID.toString())).doesNotExist();
    // Keep-alives write ~15 entries a second: with a threshold of 5 a snapshot exists after 2 s of serving.
    try (var files = Files.list(dir.resolve("n1").resolve(group.toString()).resolve("sm"))) {
      assertThat(files.map(p -> p.getFileName().toString())).anyMatch(n -> n.startsWith("snapshot."));
    }
  }

  /** A port P with P and P+100 free on loopback (local-cluster's client and Raft ports of node 1). */
  private static int freeBasePort() throws IOException {
    for (int i = 0; i < 100; i++) {
      int p = ThreadLocalRandom.current().nextInt(20_000, 30_000);
      if (free(p) && free(p + 100)) {
        return p;
      }
    }
    throw new IOException("no free port pair found");
  }

  private static boolean free(int port) {
    try (ServerSocket s = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort() == port;
    } catch (IOException busy) {
      return false;
    }
  }
}
