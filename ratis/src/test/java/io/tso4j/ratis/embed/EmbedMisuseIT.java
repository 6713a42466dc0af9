package io.tso4j.ratis.embed;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.tso4j.core.ConsensusException;
import io.tso4j.core.RefusedException;
import io.tso4j.ratis.HighWaterRegister;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.UUID;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.grpc.GrpcConfigKeys;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.RaftServerConfigKeys;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.statemachine.StateMachine;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** A host that wires the TSO wrongly gets a clear failure, never timestamps. One-node servers. */
@Tag("ratis")
@Timeout(30)
final class EmbedMisuseIT {
  @TempDir
  Path dir;

  private RaftGroup group;

  private RaftServer server(StateMachine.Registry registry, boolean preVote) throws IOException {
    int port;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
      port = s.getLocalPort();
    }
    group = RaftGroup.valueOf(RaftGroupId.valueOf(UUID.randomUUID()),
        RaftPeer.newBuilder().setId("solo").setAddress("127.0.0.1:" + port).build());
    RaftProperties props = new RaftProperties();
    RaftServerConfigKeys.setStorageDir(props, List.of(dir.toFile()));
    GrpcConfigKeys.Server.setHost(props, "127.0.0.1");
    GrpcConfigKeys.Server.setPort(props, port);
    RaftServerConfigKeys.LeaderElection.setPreVote(props, preVote);
    return RaftServer.newBuilder().setServerId(RaftPeerId.valueOf("solo")).setGroup(group)
        .setStateMachineRegistry(registry).setProperties(props).setOption(RaftStorage.StartupOption.RECOVER).build();
  }

  @Test
  void piggybackOnAHostThatDoesNotRouteTaggedCommandsPoisonsInsteadOfServing() throws Exception {
    List<Throwable> fatal = Collections.synchronizedList(new ArrayList<>());
    try (RaftServer s = server(gid -> new KvHostStateMachine(null), true)) { // forgets the register
      s.start();
      EmbeddedTso tso = EmbeddedTso.piggyback(s, group.getGroupId(), new HighWaterRegister())
          .onFatal(fatal::add).start();
      try {
        await().atMost(Duration.ofSeconds(10)).until(() -> !fatal.isEmpty());
        assertThat(fatal.get(0)).hasMessageContaining("applyTagged");
        assertThatThrownBy(() -> tso.oracle().allocate(1)).isInstanceOf(RefusedException.class)
            .extracting(e -> ((RefusedException) e).reason()).isEqualTo(RefusedException.Reason.POISONED);
      } finally {
        tso.close();
      }
    }
  }

  @Test
  void piggybackOnARoutingHostServes() throws Exception {
    // Positive control of the test above: the same server with the register wired in serves.
    HighWaterRegister register = new HighWaterRegister();
    try (RaftServer s = server(gid -> new KvHostStateMachine(register), true)) {
      s.start();
      try (EmbeddedTso tso = EmbeddedTso.piggyback(s, group.getGroupId(), register).start()) {
        await().atMost(Duration.ofSeconds(10)).until(() -> tso.oracle().state().serving());
        assertThat(tso.oracle().allocate(1).first()).isPositive();
        assertThat(register.highWater()).isPositive();
      }
    }
  }

  @Test
  void cohostedOnAGroupWhoseStateMachineIsNotTheTsosFailsToStart() throws Exception {
    try (RaftServer s = server(gid -> new KvHostStateMachine(null), true)) {
      s.start();
      assertThatThrownBy(() -> EmbeddedTso.cohosted(s, group.getGroupId()).start())
          .isInstanceOf(ConsensusException.class).hasMessageContaining("HighWaterStateMachine");
      assertThatThrownBy(() -> EmbeddedTso.cohosted(s, RaftGroupId.randomId()).start())
          .isInstanceOf(ConsensusException.class).hasMessageContaining("does not host group");
    }
  }

  @Test
  void aServerWithoutPreVoteIsRefusedInBothModes() throws Exception {
    try (RaftServer s = server(gid -> new KvHostStateMachine(null), false)) {
      assertThatThrownBy(() -> EmbeddedTso.piggyback(s, group.getGroupId(), new HighWaterRegister()).start())
          .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("pre-vote");
      assertThatThrownBy(() -> EmbeddedTso.cohosted(s, group.getGroupId()).start())
          .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("pre-vote");
    }
  }
}
