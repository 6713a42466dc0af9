package io.tso4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.tso4j.client.TimestampRange;
import io.tso4j.client.TsoClient;
import io.tso4j.client.TsoException;
import io.tso4j.proto.v1.GetMembersRequest;
import io.tso4j.proto.v1.GetMembersResponse;
import io.tso4j.proto.v1.TimestampOracleGrpc;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** A 3-node {@code tso4j serve} cluster as separate JVMs on loopback: kill -9 the leader, timestamps go on. */
@Tag("process")
@Timeout(value = 180, unit = TimeUnit.SECONDS)
final class ProcessClusterIT {
  @TempDir
  Path dir;

  private final List<NodeProcess> nodes = new ArrayList<>();

  @AfterEach
  void stopAll() throws InterruptedException {
    for (NodeProcess n : nodes) {
      n.close();
    }
  }

  @Test
  void leaderKillThenLargerTimestampFromNewLeader() throws Exception {
    String endpoints = startCluster(3);
    try (TsoClient client = TsoClient.newBuilder().endpoints(endpoints.split(","))
        .callTimeout(Duration.ofSeconds(10)).build()) {
      TimestampRange before = getWithin(client, Duration.ofSeconds(60));
      String leader = leaderId(endpoints);
      NodeProcess victim = nodes.stream().filter(n -> n.id().equals(leader)).findFirst().orElseThrow();
      victim.kill();
      long killed = System.nanoTime();
      TimestampRange after = getWithin(client, Duration.ofSeconds(30));
      long tookMs = (System.nanoTime() - killed) / 1_000_000;
      System.out.println("ProcessClusterIT: leader " + leader + " killed; next timestamp after " + tookMs + " ms");
      assertThat(after.first().toLong()).isGreaterThan(before.last().toLong());
      assertThat(after.term()).isGreaterThan(before.term());
      assertThat(tookMs).as("failover").isLessThan(30_000);
      assertThat(victim.isAlive()).isFalse();
    }
  }

  @Test
  void sigtermStopsANodeCleanlyWithExitZero() throws Exception {
    String endpoints = startCluster(3);
    try (TsoClient client = TsoClient.newBuilder().endpoints(endpoints.split(","))
        .callTimeout(Duration.ofSeconds(10)).build()) {
      getWithin(client, Duration.ofSeconds(60));
    }
    NodeProcess n = nodes.get(0);
    assertThat(n.terminate()).as(n.output()).isEqualTo(0);
  }

  private String startCluster(int size) throws IOException {
    List<int[]> ports = new ArrayList<>();
    StringBuilder peers = new StringBuilder();
    StringBuilder endpoints = new StringBuilder();
    for (int i = 1; i <= size; i++) {
      int raft = freePort();
      int client = freePort();
      ports.add(new int[] {raft, client});
      peers.append(i > 1 ? "," : "").append("n").append(i).append("=127.0.0.1:").append(raft).append('/')
          .append(client);
      endpoints.append(i > 1 ? "," : "").append("127.0.0.1:").append(client);
    }
    for (int i = 1; i <= size; i++) {
      NodeProcess p = new NodeProcess("n" + i, List.of("--id", "n" + i, "--peers", peers.toString(),
          "--data-dir", dir.resolve("n" + i).toString()), dir.resolve("n" + i + ".log"));
      nodes.add(p);
      p.start();
    }
    return endpoints.toString();
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

  private static String leaderId(String endpoints) {
    for (String e : endpoints.split(",")) {
      ManagedChannel ch = ManagedChannelBuilder.forTarget(e).usePlaintext().build();
      try {
        GetMembersResponse r = TimestampOracleGrpc.newBlockingStub(ch).withDeadlineAfter(2, TimeUnit.SECONDS)
            .getMembers(GetMembersRequest.getDefaultInstance());
        if (r.getServing()) {
          return r.getResponderId();
        }
      } catch (RuntimeException ignored) {
        // try the next node
      } finally {
        ch.shutdownNow();
      }
    }
    throw new AssertionError("no node says it serves");
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }
}
