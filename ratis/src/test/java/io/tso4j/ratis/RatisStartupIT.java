package io.tso4j.ratis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.tso4j.core.ConsensusException;
import io.tso4j.core.ConsensusException.Kind;
import io.tso4j.core.FenceConfig;
import io.tso4j.core.Grant;
import io.tso4j.core.RefusedException;
import io.tso4j.core.TimestampOracle;
import io.tso4j.core.TsoClock;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.stream.Stream;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.grpc.GrpcConfigKeys;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.RaftServerConfigKeys;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.util.LifeCycle;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Start-up failures are PERMANENT with a precise message; a single node serves; embedding over a host's server. */
@Tag("ratis")
@Timeout(60)
final class RatisStartupIT {
  @TempDir
  Path dir;

  private final List<Throwable> fatal = new ArrayList<>();

  @Test
  void busyPortIsAPermanentErrorNamingTheAddress() throws Exception {
    try (ServerSocket busy = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
      String address = "127.0.0.1:" + busy.getLocalPort();
      RatisDriver d = RatisDriver.create(single("busy", address, dir.resolve("busy")));
      assertThatThrownBy(() -> d.start(e -> { }))
          .isInstanceOfSatisfying(ConsensusException.class, e -> assertThat(e.kind()).isEqualTo(Kind.PERMANENT))
          .hasMessageContaining(address).hasMessageContaining("in use");
      d.close();
    }
  }

  @Test
  void dataDirThatIsAFileIsAPermanentError() throws Exception {
    Path file = Files.writeString(dir.resolve("not-a-dir"), "x");
    assertThatThrownBy(() -> RatisDriver.create(single("file", "127.0.0.1:" + freePort(), file)))
        .isInstanceOfSatisfying(ConsensusException.class, e -> assertThat(e.kind()).isEqualTo(Kind.PERMANENT))
        .hasMessageContaining(file.toString()).hasMessageContaining("not a directory");
  }

  @Test
  void singleNodeServesThenACorruptSnapshotStopsTheRestartWithTheFileName() throws Exception {
    RatisDriverConfig config = RatisDriverConfig.builder().nodeId("solo").peer("solo", "127.0.0.1:" + freePort())
        .dataDir(dir.resolve("solo")).snapshotThreshold(5).build();
    long served;
    RatisDriver driver = RatisDriver.create(config);
    TimestampOracle oracle = new TimestampOracle(driver, FenceConfig.defaults(), TsoClock.system(), fatal::add);
    try {
      oracle.start();
      Grant g = allocate(oracle);
      assertThat(g.count()).isEqualTo(1);
      await().atMost(Duration.ofSeconds(10)).until(() -> snapshots(config.dataDir()).size() >= 1);
      served = oracle.lastIssued();
    } finally {
      oracle.close();
      driver.close();
    }
    assertThat(served).isPositive();
    assertThat(fatal).isEmpty();

    Path snapshot = snapshots(config.dataDir()).get(snapshots(config.dataDir()).size() - 1);
    byte[] bytes = Files.readAllBytes(snapshot);
    bytes[bytes.length / 2] ^= 0x5a;
    Files.write(snapshot, bytes);
    // Drop the other snapshots so the corrupt one is the latest (and only) choice.
    for (Path p : snapshots(config.dataDir())) {
      if (!p.equals(snapshot)) {
        Files.delete(p);
        Files.deleteIfExists(p.resolveSibling(p.getFileName() + ".md5"));
      }
    }

    ConsensusException e = startFailure(config);
    assertThat(e.kind()).isEqualTo(Kind.PERMANENT);
    assertThat(e.getMessage()).contains(snapshot.getFileName().toString()).contains("corrupt");
  }

  @Test
  void attachesToAServerOwnedByTheHostAndLeavesItRunning() throws Exception {
    RaftGroupId gid = RaftGroupId.valueOf(UUID.randomUUID());
    String address = "127.0.0.1:" + freePort();
    RaftProperties props = new RaftProperties();
    RaftServerConfigKeys.setStorageDir(props, List.of(dir.resolve("host").toFile()));
    GrpcConfigKeys.Server.setHost(props, "127.0.0.1");
    GrpcConfigKeys.Server.setPort(props, Integer.parseInt(address.substring(address.indexOf(':') + 1)));
    RaftServer server = RaftServer.newBuilder().setServerId(RaftPeerId.valueOf("host1"))
        .setGroup(RaftGroup.valueOf(gid, RaftPeer.newBuilder().setId("host1").setAddress(address).build()))
        .setStateMachineRegistry(g -> new HighWaterStateMachine())
        .setProperties(props).setOption(RaftStorage.StartupOption.RECOVER).build();
    try {
      server.start();
      RatisDriver driver = RatisDriver.attach(server, gid, Duration.ofSeconds(3));
      assertThat(driver.ownsServer()).isFalse();
      assertThat(driver.leaseDuration()).isEqualTo(Duration.ofMillis(120)); // 0.8 x Ratis's default 150 ms
      TimestampOracle oracle = new TimestampOracle(driver, FenceConfig.defaults(), TsoClock.system(), fatal::add);
      oracle.start();
      Grant g = allocate(oracle);
      assertThat(g.term()).isPositive();
      assertThat(driver.peers()).containsEntry("host1", address);
      assertThat(driver.leaderId()).isEqualTo(Optional.of("host1"));
      oracle.close();
      driver.close();
      assertThat(server.getLifeCycleState()).isEqualTo(LifeCycle.State.RUNNING);
      assertThat(fatal).isEmpty();
    } finally {
      server.close();
    }
  }

  @Test
  void attachRefusesAServerWithoutPreVote() throws Exception {
    RaftProperties props = new RaftProperties();
    RaftServerConfigKeys.LeaderElection.setPreVote(props, false);
    RaftServerConfigKeys.setStorageDir(props, List.of(dir.resolve("nopv").toFile()));
    GrpcConfigKeys.Server.setPort(props, freePort());
    GrpcConfigKeys.Server.setHost(props, "127.0.0.1");
    RaftServer server = RaftServer.newBuilder().setServerId(RaftPeerId.valueOf("h"))
        .setStateMachineRegistry(g -> new HighWaterStateMachine()).setProperties(props).build();
    try {
      assertThatThrownBy(() -> RatisDriver.attach(server, RaftGroupId.randomId(), Duration.ofSeconds(1)))
          .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("pre-vote");
    } finally {
      server.close();
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

  private static Grant allocate(TimestampOracle oracle) {
    Grant[] g = new Grant[1];
    await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(5)).until(() -> {
      try {
        g[0] = oracle.allocate(1);
        return true;
      } catch (RefusedException e) {
        return false;
      }
    });
    return g[0];
  }

  private static List<Path> snapshots(Path base) throws IOException {
    try (Stream<Path> s = Files.walk(base)) {
      return s.filter(p -> p.getFileName().toString().matches("snapshot\\.\\d+_\\d+"))
          .sorted((a, b) -> Long.compare(index(a), index(b))).toList();
    }
  }

  private static long index(Path p) {
    String n = p.getFileName().toString();
    return Long.parseLong(n.substring(n.indexOf('_') + 1));
  }

  private static RatisDriverConfig single(String id, String address, Path data) {
    return RatisDriverConfig.builder().nodeId(id).peer(id, address).dataDir(data).build();
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
      return s.getLocalPort();
    }
  }
}
