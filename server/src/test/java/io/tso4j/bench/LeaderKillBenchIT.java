package io.tso4j.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.tso4j.client.TsoClient;
import io.tso4j.client.TsoException;
import io.tso4j.proto.v1.GetMembersRequest;
import io.tso4j.proto.v1.GetMembersResponse;
import io.tso4j.proto.v1.TimestampOracleGrpc;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
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

  @TempDir
  Path dir;

  private final List<ServeProcess> nodes = new ArrayList<>();

  @AfterEach
  void stopAll() throws InterruptedException {
    for (ServeProcess n : nodes) {
      n.close();
    }
  }

  @Test
  void killingTheLeaderDuringARunBreaksNoOrderAndNoDeadline() throws Exception {
    List<String> endpoints = startCluster();
    try (TsoTarget target = new TsoTarget(endpoints, CALL_TIMEOUT, 1)) {
      awaitServing(endpoints);
      String leader = leaderId(endpoints);
      BenchRun run = new BenchRun(target, new BenchConfig(64, Duration.ofSeconds(8), Duration.ZERO, 1,
          Duration.ofSeconds(6)), "tso4j 3-process");
      Thread killer = new Thread(() -> {
        try {
          Thread.sleep(2_000);
          nodes.stream().filter(n -> n.id().equals(leader)).findFirst().orElseThrow().kill();
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
      String after = leaderId(endpoints);
      assertThat(after).isNotEqualTo(leader);
    }
  }

  private List<String> startCluster() throws Exception {
    StringBuilder peers = new StringBuilder();
    List<String> endpoints = new ArrayList<>();
    for (int i = 1; i <= 3; i++) {
      int raft = LocalCluster.freePort();
      int client = LocalCluster.freePort();
      peers.append(i > 1 ? "," : "").append("n").append(i).append("=127.0.0.1:").append(raft).append('/')
          .append(client);
      endpoints.add("127.0.0.1:" + client);
    }
    for (int i = 1; i <= 3; i++) {
      ServeProcess p = new ServeProcess("n" + i, List.of("--id", "n" + i, "--peers", peers.toString(),
          "--data-dir", dir.resolve("n" + i).toString()), dir.resolve("n" + i + ".log"));
      nodes.add(p);
      p.start();
    }
    return endpoints;
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

  private static String leaderId(List<String> endpoints) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (System.nanoTime() - deadline < 0) {
      for (String e : endpoints) {
        ManagedChannel ch = ManagedChannelBuilder.forTarget(e).usePlaintext().build();
        try {
          GetMembersResponse r = TimestampOracleGrpc.newBlockingStub(ch).withDeadlineAfter(1, TimeUnit.SECONDS)
              .getMembers(GetMembersRequest.getDefaultInstance());
          if (r.getServing()) {
            return r.getResponderId();
          }
        } catch (RuntimeException ignored) {
          // Dead or not serving: ask the next one.
        } finally {
          ch.shutdownNow();
        }
      }
      Thread.sleep(100);
    }
    throw new AssertionError("no node serves");
  }
}
