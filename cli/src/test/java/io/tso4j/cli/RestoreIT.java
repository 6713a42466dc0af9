package io.tso4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.tso4j.client.TimestampRange;
import io.tso4j.client.TsoClient;
import io.tso4j.client.TsoException;
import io.tso4j.core.FenceConfig;
import io.tso4j.core.TsoClock;
import io.tso4j.server.LocalCluster;
import io.tso4j.server.NodeStartException;
import io.tso4j.server.NodeTuning;
import io.tso4j.server.PeerSpec;
import io.tso4j.server.TsoNode;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Backup and restore through the CLI ({@code admin snapshot}, {@code restore}) over real in-process 3-node clusters:
 * serve, back up, serve more (longer than the window, so the mark moves past the backup's), lose every node, restore
 * every node's data dir, serve again. The old cluster's clocks run 20 s ahead of this machine's: restored with a
 * clock margin of 0 the new cluster hands out timestamps below ones the old cluster served after the backup (the
 * positive control: the margin is what covers them, docs/correctness.md B2); with a 30 s margin every new timestamp
 * is above every old one.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
final class RestoreIT {
  private static final long OLD_CLOCK_AHEAD_MS = 20_000;

  @TempDir
  Path dir;

  @Test
  void aRestoredClusterStartsAboveEveryOldTimestampWhenTheMarginCoversTheOldClock() throws Exception {
    Path backup = dir.resolve("backup.tso4j");
    List<TsoNode> old = cluster("old", TsoClock.systemWithOffset(OLD_CLOCK_AHEAD_MS));
    long beforeBackup;
    long largestOld;
    try (TsoClient client = client(old)) {
      beforeBackup = serveFor(client, Duration.ZERO);
      assertThat(cli("admin", "snapshot", "--endpoints", old.get(0).endpoint(), "--out", backup.toString()))
          .isZero();
      // Serve past the window (3 s): the old cluster's mark moves beyond the one in the backup.
      largestOld = serveFor(client, Duration.ofSeconds(5));
    } finally {
      old.forEach(TsoNode::close);
    }
    assertThat(largestOld).isGreaterThan(beforeBackup);

    // Positive control: no margin, and the old clock ran ahead: the new cluster starts below what was served.
    long firstWithoutMargin = firstOfRestored("nomargin", backup, "0s");
    assertThat(firstWithoutMargin).as("without a margin the restored cluster is below the old cluster's last "
        + "timestamps (their clock ran ahead)").isLessThan(largestOld);
    assertThat(firstWithoutMargin).as("but always above everything served before the backup")
        .isGreaterThan(beforeBackup);

    long first = firstOfRestored("restored", backup, "30s");
    assertThat(first).isGreaterThan(largestOld);
  }

  @Test
  void theAdminCommandsOnALiveClusterThenRestoreRefusesALiveDataDirAndABadBackup() throws Exception {
    List<TsoNode> nodes = cluster("live", TsoClock.system());
    Path backup = dir.resolve("b");
    try (TsoClient client = client(nodes)) {
      long served = serveFor(client, Duration.ZERO);
      String any = nodes.get(1).endpoint();
      assertThat(cli("admin", "snapshot", "--endpoints", any, "--out", backup.toString())).isZero();
      StringWriter out = new StringWriter();
      assertThat(Main.run(new String[] {"members", "--endpoints", any}, Map.of(), new PrintWriter(out, true),
          new PrintWriter(out, true))).isZero();
      assertThat(out.toString().lines().toList()).hasSize(4);
      assertThat(out.toString()).contains("leader").contains("serving").contains("follower");
      out = new StringWriter();
      assertThat(Main.run(new String[] {"admin", "high-water", "--endpoints", any}, Map.of(),
          new PrintWriter(out, true), new PrintWriter(out, true))).isZero();
      long mark = Long.parseLong(out.toString().substring(0, out.toString().indexOf(' ')));
      assertThat(mark).isGreaterThanOrEqualTo(io.tso4j.timestamp.Timestamp.physicalOf(served));
      long floor = io.tso4j.timestamp.Timestamp.pack(System.currentTimeMillis() + 30_000, 0);
      assertThat(cli("admin", "raise-floor", "--endpoints", any, "--at-least", Long.toString(floor))).isZero();
      assertThat(getWithin(client).first().toLong()).isGreaterThan(floor);
      assertThat(cli("admin", "transfer-leader", "--endpoints", any, "--to", "n3")).isZero();
      assertThat(getWithin(client).first().toLong()).isGreaterThan(floor);
      assertThat(client.orderViolations()).isZero();
    } finally {
      nodes.forEach(TsoNode::close);
    }
    StringWriter err = new StringWriter();
    int code = Main.run(new String[] {"restore", "--from", backup.toString(), "--data-dir",
        dir.resolve("live").resolve("n1").toString()}, Map.of(), new PrintWriter(new StringWriter()),
        new PrintWriter(err, true));
    assertThat(code).isEqualTo(ExitCodes.USAGE);
    assertThat(err.toString()).contains("already holds a Raft log").doesNotContain("\tat ");

    java.nio.file.Files.writeString(dir.resolve("garbage"), "not a backup");
    err = new StringWriter();
    code = Main.run(new String[] {"restore", "--from", dir.resolve("garbage").toString(), "--data-dir",
        dir.resolve("fresh").toString()}, Map.of(), new PrintWriter(new StringWriter()), new PrintWriter(err, true));
    assertThat(code).isEqualTo(ExitCodes.FAILED);
    assertThat(err.toString()).contains("not a tso4j backup").doesNotContain("\tat ");
  }

  /** Restores every node of a new 3-node cluster from {@code backup} and returns its first timestamp. */
  private long firstOfRestored(String name, Path backup, String margin) throws Exception {
    for (String id : List.of("n1", "n2", "n3")) {
      assertThat(cli("restore", "--from", backup.toString(), "--data-dir", dir.resolve(name).resolve(id).toString(),
          "--clock-margin", margin)).isZero();
    }
    List<TsoNode> nodes = cluster(name, TsoClock.system());
    try (TsoClient client = client(nodes)) {
      return getWithin(client).first().toLong();
    } finally {
      nodes.forEach(TsoNode::close);
    }
  }

  /**
   * Starts n1..n3 with data dirs under {@code name}, on ports free a moment ago; a port taken in between (another
   * test, or an outgoing connection of an earlier node) means a new set of ports, up to three times.
   */
  private List<TsoNode> cluster(String name, TsoClock clock) throws Exception {
    for (int attempt = 1; ; attempt++) {
      List<PeerSpec> peers = new ArrayList<>();
      for (String id : List.of("n1", "n2", "n3")) {
        peers.add(new PeerSpec(id, "127.0.0.1", LocalCluster.freePort(), LocalCluster.freePort()));
      }
      List<TsoNode> nodes = new ArrayList<>();
      try {
        for (PeerSpec p : peers) {
          nodes.add(TsoNode.start(new TsoNode.Config(p.id(), peers, "127.0.0.1", p.clientPort(),
              dir.resolve(name).resolve(p.id()), Duration.ofMillis(200), Duration.ofMillis(400),
              FenceConfig.defaults(), clock), NodeTuning.defaults(), e -> { }));
        }
        return nodes;
      } catch (NodeStartException e) {
        nodes.forEach(TsoNode::close);
        if (attempt >= 3 || !e.getMessage().contains("in use")) {
          throw e;
        }
      }
    }
  }

  private static TsoClient client(List<TsoNode> nodes) {
    return TsoClient.newBuilder().endpoints(nodes.stream().map(TsoNode::endpoint).toArray(String[]::new))
        .callTimeout(Duration.ofSeconds(10)).build();
  }

  /** Serves for at least {@code span} (at least one call); returns the largest timestamp. */
  private static long serveFor(TsoClient client, Duration span) throws InterruptedException {
    long end = System.nanoTime() + span.toNanos();
    long largest = getWithin(client).last().toLong();
    while (System.nanoTime() < end) {
      largest = Math.max(largest, getWithin(client).last().toLong());
      Thread.sleep(20);
    }
    return largest;
  }

  private static int cli(String... args) {
    StringWriter out = new StringWriter();
    int code = Main.run(args, Map.of(), new PrintWriter(out, true), new PrintWriter(out, true));
    if (code != 0) {
      System.out.println("tso4j " + String.join(" ", args) + " → " + code + ": " + out);
    }
    return code;
  }

  private static TimestampRange getWithin(TsoClient client) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    TsoException last = null;
    while (System.nanoTime() < deadline) {
      try {
        return client.getTimestamps(1);
      } catch (TsoException e) {
        last = e;
        Thread.sleep(50);
      }
    }
    throw new AssertionError("no timestamp within 60 s", last);
  }
}
