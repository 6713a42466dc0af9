package io.tso4j.cli;

import io.tso4j.bench.TsoTarget;

import io.tso4j.bench.BenchRun;

import io.tso4j.bench.BenchResult;

import io.tso4j.bench.BenchConfig;

import static org.assertj.core.api.Assertions.assertThat;

import io.tso4j.client.TsoClient;
import io.tso4j.client.TsoException;
import io.tso4j.testkit.stress.StressCluster;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

/**
 * A bench run at C = 64 against a 3-node cluster of separate JVMs on loopback, with the leader killed (-9) in the
 * middle: no order violation, every call ends (successfully or with a tso4j error) within its deadline, and the
 * cluster serves again afterwards.
 */
@Tag("process")
@Timeout(value = 150, unit = TimeUnit.SECONDS)
final class LeaderKillBenchIT {
  private static final Duration CALL_TIMEOUT = Duration.ofSeconds(3);

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
  void killingTheLeaderDuringARunBreaksNoOrderAndNoDeadline() throws Exception {
    cluster = StressCluster.start(3, dir, Main.class.getName(), false);
    List<String> endpoints = cluster.endpoints();
    try (TsoTarget target = new TsoTarget(endpoints, CALL_TIMEOUT, 1)) {
      awaitServing(endpoints);
      String leader = cluster.awaitServingLeader(20_000).orElseThrow().id();
      BenchRun run = new BenchRun(target, new BenchConfig(64, Duration.ofSeconds(8), Duration.ZERO, 1,
          Duration.ofSeconds(6)), "tso4j 3-process");
      Thread killer = new Thread(() -> {
        try {
          Thread.sleep(2_000);
          cluster.node(leader).kill();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      });
      killer.start();
      BenchResult r = run.run();
      killer.join(15_000);
      System.out.println("LeaderKillBenchIT: killed " + leader + "; " + r.toJson());

      assertThat(r.orderViolations()).as(String.valueOf(r.firstViolation())).isZero();
      assertThat(target.clientOrderViolations()).isZero();
      assertThat(r.unfinished()).as("calls that never ended").isZero();
      assertThat(r.errors().keySet()).as("only clear tso4j errors")
          .isSubsetOf(Set.of("TsoUnavailableException", "TsoDeadlineExceededException"));
      assertThat(r.max()).as("slowest call, successful or not (us)")
          .isLessThanOrEqualTo(CALL_TIMEOUT.plusMillis(500).toNanos() / 1000.0);
      assertThat(r.calls()).isPositive();
      assertThat(r.termChanges()).as("the kill shows in the terms that served the run").isPositive();
      String after = cluster.awaitServingLeader(20_000).orElseThrow().id();
      assertThat(after).isNotEqualTo(leader);
    }
  }

  private static void awaitServing(List<String> endpoints) throws InterruptedException {
    try (TsoClient c = TsoClient.newBuilder().endpoints(endpoints).callTimeout(Duration.ofSeconds(2)).build()) {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      while (System.nanoTime() - deadline < 0) {
        try {
          c.getTimestamp();
          return;
        } catch (TsoException e) {
          Thread.sleep(100);
        }
      }
    }
    throw new AssertionError("the cluster did not serve within 60 s");
  }
}
