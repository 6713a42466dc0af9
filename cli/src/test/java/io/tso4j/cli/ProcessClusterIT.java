package io.tso4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.tso4j.client.TimestampRange;
import io.tso4j.client.TsoClient;
import io.tso4j.client.TsoException;
import io.tso4j.testkit.stress.ServerProcess;
import io.tso4j.testkit.stress.StressCluster;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

/** A 3-node {@code tso4j serve} cluster as separate JVMs on loopback: kill -9 the leader, timestamps go on. */
@Tag("process")
@Timeout(value = 180, unit = TimeUnit.SECONDS)
final class ProcessClusterIT {
  @TempDir(cleanup = CleanupMode.ON_SUCCESS) // a failed run keeps the node logs
  Path dir;

  private StressCluster cluster;

  @AfterEach
  void stopAll() {
    if (cluster != null) {
      cluster.close();
    }
  }

  @Test
  void leaderKillThenLargerTimestampFromNewLeader() throws Exception {
    cluster = StressCluster.start(3, dir, Main.class.getName(), false);
    try (TsoClient client = TsoClient.newBuilder().endpoints(cluster.endpoints())
        .callTimeout(Duration.ofSeconds(10)).build()) {
      TimestampRange before = getWithin(client, Duration.ofSeconds(60));
      String leader = cluster.awaitServingLeader(20_000).orElseThrow().id();
      ServerProcess victim = cluster.node(leader);
      victim.kill();
      long killed = System.nanoTime();
      TimestampRange after = getWithin(client, Duration.ofSeconds(30));
      long tookMs = (System.nanoTime() - killed) / 1_000_000;
      System.out.println("ProcessClusterIT: leader " + leader + " killed; next timestamp after " + tookMs + " ms");
      assertThat(after.first().toLong()).isGreaterThan(before.last().toLong());
      assertThat(after.term()).isGreaterThan(before.term());
      assertThat(victim.isAlive()).isFalse();
    }
  }

  @Test
  void sigtermStopsANodeCleanlyWithExitZero() throws Exception {
    cluster = StressCluster.start(3, dir, Main.class.getName(), false);
    try (TsoClient client = TsoClient.newBuilder().endpoints(cluster.endpoints())
        .callTimeout(Duration.ofSeconds(10)).build()) {
      getWithin(client, Duration.ofSeconds(60));
    }
    assertThat(cluster.node("n1").terminate(15_000)).isEqualTo(0);
  }

  private static TimestampRange getWithin(TsoClient client, Duration max) throws InterruptedException {
    long deadline = System.nanoTime() + max.toNanos();
    TsoException last = null;
    while (System.nanoTime() < deadline) {
      try {
        return client.getTimestamps(1);
      } catch (TsoException e) {
        last = e;
        Thread.sleep(50);
      }
    }
    throw new AssertionError("no timestamp within " + max, last);
  }
}
