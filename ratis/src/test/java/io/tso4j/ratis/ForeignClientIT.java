package io.tso4j.ratis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.tso4j.core.FenceConfig;
import io.tso4j.core.Grant;
import io.tso4j.core.RefusedException;
import io.tso4j.core.TimestampOracle;
import io.tso4j.core.TsoClock;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.client.RaftClientConfigKeys;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.grpc.GrpcConfigKeys;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.retry.RetryPolicies;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.RaftServerConfigKeys;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;
import org.apache.ratis.util.TimeDuration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A stock Ratis client that knows the group id, the peers and the current term tries to write a PERSIST ten years
 * ahead into the high-water register. Against a node's own Raft port it is refused before Ratis sees it (the port
 * serves Raft peers only); against a host-owned server whose Ratis client service is reachable it reaches the state
 * machine, which refuses it because it does not come from the node's driver. Either way the mark is unchanged and the
 * oracle keeps serving.
 */
@Tag("ratis")
@Timeout(90)
final class ForeignClientIT {
  private static final long TEN_YEARS_MS = TimeUnit.DAYS.toMillis(3653);

  @TempDir
  Path dir;

  private final List<AutoCloseable> toClose = new ArrayList<>();
  private final List<Throwable> fatal = new CopyOnWriteArrayList<>();

  @AfterEach
  void stop() throws Exception {
    for (int i = toClose.size() - 1; i >= 0; i--) {
      toClose.get(i).close();
    }
  }

  @Test
  void aForeignClientOnTheRaftPortIsRefusedAndChangesNothing() throws Exception {
    Map<String, String> peers = new LinkedHashMap<>();
    peers.put("f1", "127.0.0.1:" + freePort());
    RatisDriverConfig config = RatisDriverConfig.builder().nodeId("f1").peers(peers).dataDir(dir.resolve("f1"))
        .build();
    RatisDriver driver = RatisDriver.create(config);
    toClose.add(driver);
    TimestampOracle oracle = new TimestampOracle(driver, FenceConfig.defaults(), TsoClock.system(), fatal::add);
    toClose.add(oracle);
    oracle.start();
    await().atMost(Duration.ofSeconds(30)).until(() -> oracle.state().serving());
    long term = oracle.state().term();
    long before = driver.loadHighWater(term).get(10, TimeUnit.SECONDS).highWater();

    try (RaftClient foreign = foreignClient(RaftGroupId.valueOf(config.groupId()), peers)) {
      long target = System.currentTimeMillis() + TEN_YEARS_MS;
      assertThatThrownBy(() -> foreign.io().send(persist(term, target)))
          .as("a write through the Raft port").hasStackTraceContaining("PERMISSION_DENIED");
      assertThatThrownBy(() -> foreign.getGroupManagementApi(RaftPeerId.valueOf("f1"))
          .info(RaftGroupId.valueOf(config.groupId())))
          .as("the admin service on the Raft port").hasStackTraceContaining("PERMISSION_DENIED");
    }
    long after = driver.loadHighWater(term).get(10, TimeUnit.SECONDS).highWater();
    assertThat(after).as("the mark moves with the clock only").isLessThan(System.currentTimeMillis() + 60_000)
        .isGreaterThanOrEqualTo(before);
    assertThat(allocate(oracle).term()).isEqualTo(term);
    assertThat(fatal).isEmpty();
  }

  @Test
  void theStateMachineRefusesAWriteThatIsNotFromItsDriver() throws Exception {
    RaftGroupId gid = RaftGroupId.valueOf(UUID.randomUUID());
    String address = "127.0.0.1:" + freePort();
    RaftProperties props = new RaftProperties();
    RaftServerConfigKeys.setStorageDir(props, List.of(dir.resolve("host").toFile()));
    GrpcConfigKeys.Server.setHost(props, "127.0.0.1");
    GrpcConfigKeys.Server.setPort(props, Integer.parseInt(address.substring(address.indexOf(':') + 1)));
    // A host-owned server with Ratis' defaults: its client and admin services listen on its Raft port.
    RaftServer server = RaftServer.newBuilder().setServerId(RaftPeerId.valueOf("h1"))
        .setGroup(RaftGroup.valueOf(gid, RaftPeer.newBuilder().setId("h1").setAddress(address).build()))
        .setStateMachineRegistry(g -> new HighWaterStateMachine())
        .setProperties(props).setOption(RaftStorage.StartupOption.RECOVER).build();
    toClose.add(server);
    server.start();
    RatisDriver driver = RatisDriver.attach(server, gid, Duration.ofSeconds(3));
    toClose.add(driver);
    TimestampOracle oracle = new TimestampOracle(driver, FenceConfig.defaults(), TsoClock.system(), fatal::add);
    toClose.add(oracle);
    oracle.start();
    await().atMost(Duration.ofSeconds(30)).until(() -> oracle.state().serving());
    long term = oracle.state().term();
    HighWaterStateMachine sm = (HighWaterStateMachine) server.getDivision(gid).getStateMachine();
    long before = sm.highWater();

    try (RaftClient foreign = foreignClient(gid, Map.of("h1", address))) {
      // Positive control: the client reaches this server (the admin service answers here).
      assertThat(foreign.getGroupManagementApi(RaftPeerId.valueOf("h1")).info(gid).isSuccess()).isTrue();
      long target = System.currentTimeMillis() + TEN_YEARS_MS;
      assertThatThrownBy(() -> foreign.io().send(persist(term, target)))
          .hasStackTraceContaining("only this node's tso4j driver may write to the high-water register");
    }
    assertThat(sm.refusedWrites()).isEqualTo(1);
    assertThat(sm.highWater()).as("the mark moves with the clock only")
        .isLessThan(System.currentTimeMillis() + 60_000).isGreaterThanOrEqualTo(before);
    assertThat(allocate(oracle).term()).as("the oracle still serves").isEqualTo(term);
    assertThat(fatal).isEmpty();
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

  private static Message persist(long term, long atLeast) {
    return Message.valueOf(ByteString.copyFrom(HighWaterCommand.persist(term, atLeast, 0).encode()));
  }

  private static RaftClient foreignClient(RaftGroupId gid, Map<String, String> peers) {
    RaftProperties props = new RaftProperties();
    RaftClientConfigKeys.Rpc.setRequestTimeout(props, TimeDuration.valueOf(3, TimeUnit.SECONDS));
    List<RaftPeer> raftPeers = new ArrayList<>();
    peers.forEach((id, a) -> raftPeers.add(RaftPeer.newBuilder().setId(id).setAddress(a).build()));
    return RaftClient.newBuilder().setProperties(props).setRaftGroup(RaftGroup.valueOf(gid, raftPeers))
        .setRetryPolicy(RetryPolicies.noRetry()).build();
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
      return s.getLocalPort();
    }
  }
}
