package io.tso4j.ratis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tso4j.core.LeadershipEvent;
import java.io.File;
import java.lang.reflect.Proxy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.ratis.proto.RaftProtos.LogEntryProto;
import org.apache.ratis.proto.RaftProtos.RaftPeerRole;
import org.apache.ratis.proto.RaftProtos.StateMachineLogEntryProto;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftGroupMemberId;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.RaftServerConfigKeys;
import org.apache.ratis.server.protocol.TermIndex;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.statemachine.TransactionContext;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;
import org.apache.ratis.util.SizeInBytes;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The state machine's apply rules, snapshots (real files) and leadership hints. */
final class HighWaterStateMachineTest {
  @TempDir
  Path dir;

  private final AtomicLong ticks = new AtomicLong(1_000_000_000L);
  private final HighWaterStateMachine sm = new HighWaterStateMachine(ticks::get);

  @BeforeEach
  void setUp() throws Exception {
    initialize(sm);
  }

  private HighWaterReply apply(long entryTerm, long index, byte[] data) throws Exception {
    LogEntryProto entry = LogEntryProto.newBuilder().setTerm(entryTerm).setIndex(index)
        .setStateMachineLogEntry(StateMachineLogEntryProto.newBuilder().setLogData(ByteString.copyFrom(data)))
        .build();
    TransactionContext trx = TransactionContext.newBuilder().setStateMachine(sm)
        .setServerRole(RaftPeerRole.FOLLOWER).setLogEntry(entry).build();
    byte[] reply = sm.applyTransaction(trx).get().getContent().toByteArray();
    assertThat(sm.getLastAppliedTermIndex()).isEqualTo(TermIndex.valueOf(entryTerm, index));
    return HighWaterReply.decode(reply);
  }

  @Test
  void persistOnlyRaisesAndLoadReads() throws Exception {
    assertThat(apply(2, 1, HighWaterCommand.load(2).encode()))
        .isEqualTo(new HighWaterReply(HighWaterReply.Status.OK, 0, 2));
    assertThat(apply(2, 2, HighWaterCommand.persist(2, 500).encode()).value()).isEqualTo(500);
    assertThat(apply(2, 3, HighWaterCommand.persist(2, 100).encode()).value()).isEqualTo(500);
    assertThat(apply(3, 4, HighWaterCommand.load(3).encode()).value()).isEqualTo(500);
    assertThat(sm.highWater()).isEqualTo(500);
    assertThat(sm.fencedTerm()).isEqualTo(3);
  }

  @Test
  void f6bALoadSaysHowLongAgoTheLastLeaseGrantingPersistWasAppliedHere() throws Exception {
    assertThat(apply(2, 1, HighWaterCommand.load(2).encode()).sinceLastGrantNanos())
        .as("nothing granted since start").isEqualTo(HighWaterReply.UNKNOWN);
    apply(2, 2, HighWaterCommand.persist(2, 500, 160_000_000L).encode());
    ticks.addAndGet(70_000_000L);
    apply(2, 3, HighWaterCommand.persist(2, 400, 160_000_000L).encode());
    ticks.addAndGet(30_000_000L);
    apply(2, 4, HighWaterCommand.persist(1, 900, 160_000_000L).encode());
    ticks.addAndGet(250_000_000L);
    apply(3, 5, HighWaterCommand.release(3, 10).encode());

    HighWaterReply load = apply(4, 6, HighWaterCommand.load(4).encode());

    assertThat(load.sinceLastGrantNanos()).as("from the last OK persist (a fenced one grants nothing)")
        .isEqualTo(280_000_000L);
    assertThat(load.status()).isEqualTo(HighWaterReply.Status.OK);
  }

  /**
   * A follower learns that the leader's last writes committed only from the next leader, so it applies the last
   * grant hundreds of milliseconds after the grant reached its log. The age counts from the arrival that a look at
   * the log showed (F6c), not from the late apply (F6b alone: 10 ms here).
   */
  @Test
  void f6cTheAgeOfTheLastGrantCountsFromItsArrivalWhenALookShowedIt() throws Exception {
    sm.lookAtLog(TermIndex.valueOf(2, 1));
    ticks.addAndGet(200_000_000L);
    apply(2, 1, HighWaterCommand.persist(2, 500, 160_000_000L).encode());
    ticks.addAndGet(10_000_000L);

    assertThat(apply(3, 2, HighWaterCommand.load(3).encode()).sinceLastGrantNanos()).isEqualTo(210_000_000L);
  }

  /** A look at an entry of another term at the same index proves nothing; without a matching look, the apply counts. */
  @Test
  void f6cOnlyALookAtTheGrantsOwnTermCounts() throws Exception {
    sm.lookAtLog(TermIndex.valueOf(1, 1));
    ticks.addAndGet(100_000_000L);
    sm.lookAtLog(TermIndex.valueOf(2, 0));
    ticks.addAndGet(100_000_000L);
    apply(2, 1, HighWaterCommand.persist(2, 500, 160_000_000L).encode());
    ticks.addAndGet(10_000_000L);

    assertThat(apply(3, 2, HighWaterCommand.load(3).encode()).sinceLastGrantNanos())
        .as("from the apply: no look showed (2, 1)").isEqualTo(10_000_000L);
  }

  @Test
  void f6bAfterASnapshotIsLoadedTheAgeOfTheLastGrantIsUnknown() throws Exception {
    apply(2, 1, HighWaterCommand.persist(2, 500, 160_000_000L).encode());
    ticks.addAndGet(10_000_000L);
    assertThat(apply(2, 2, HighWaterCommand.load(2).encode()).sinceLastGrantNanos()).isEqualTo(10_000_000L);

    sm.reinitialize();

    assertThat(apply(3, 3, HighWaterCommand.load(3).encode()).sinceLastGrantNanos())
        .isEqualTo(HighWaterReply.UNKNOWN);
  }

  @Test
  void commandsWhoseTermIsNotTheEntryTermAreFencedAndStillApplied() throws Exception {
    apply(4, 1, HighWaterCommand.persist(4, 10).encode());
    HighWaterReply older = apply(5, 2, HighWaterCommand.persist(4, 99).encode());
    assertThat(older).isEqualTo(new HighWaterReply(HighWaterReply.Status.FENCED, 4, 5));
    HighWaterReply newer = apply(5, 3, HighWaterCommand.load(6).encode());
    assertThat(newer.status()).isEqualTo(HighWaterReply.Status.FENCED);
    assertThat(sm.highWater()).isEqualTo(10);
    assertThat(sm.fencedTerm()).isEqualTo(4);
  }

  @Test
  void malformedCommandsGetBadCommandAndStillAdvanceTheAppliedIndex() throws Exception {
    assertThat(apply(1, 1, new byte[] {1, 2, 3}).status()).isEqualTo(HighWaterReply.Status.BAD_COMMAND);
    byte[] future = HighWaterCommand.persist(1, 5).encode();
    future[0] = 3;
    assertThat(apply(1, 2, future).status()).isEqualTo(HighWaterReply.Status.BAD_COMMAND);
    assertThat(sm.highWater()).isZero();
  }

  @Test
  void snapshotRoundTripsThroughRealFiles() throws Exception {
    apply(3, 5, HighWaterCommand.persist(3, 1234).encode());
    assertThat(sm.takeSnapshot()).isEqualTo(5);
    File file = sm.getLatestSnapshot().getFiles().get(0).getPath().toFile();
    assertThat(file).exists().hasName("snapshot.3_5");
    assertThat(new File(file.getPath() + ".md5")).exists();
    assertThat(file.getParentFile().list()).noneMatch(n -> n.endsWith(".tmp"));

    HighWaterStateMachine restored = new HighWaterStateMachine();
    initialize(restored);
    assertThat(restored.highWater()).isEqualTo(1234);
    assertThat(restored.fencedTerm()).isEqualTo(3);
    assertThat(restored.getLastAppliedTermIndex()).isEqualTo(TermIndex.valueOf(3, 5));

    // A newer snapshot appearing (as after an install from the leader) is picked up by reinitialize().
    apply(3, 6, HighWaterCommand.persist(3, 2000).encode());
    sm.takeSnapshot();
    restored.reinitialize();
    assertThat(restored.highWater()).isEqualTo(2000);
  }

  @Test
  void aSnapshotThatCannotBeWrittenKeepsThePreviousOneAndIsRetried() throws Exception {
    apply(3, 5, HighWaterCommand.persist(3, 1234).encode());
    assertThat(sm.takeSnapshot()).isEqualTo(5);
    File smDir = sm.getLatestSnapshot().getFiles().get(0).getPath().toFile().getParentFile();
    File moved = new File(smDir.getPath() + ".away");
    assertThat(smDir.renameTo(moved)).isTrue();
    assertThat(new File(smDir.getPath()).createNewFile()).isTrue(); // writes under it now fail, as on a full disk
    apply(3, 6, HighWaterCommand.persist(3, 2000).encode());
    // No exception to Ratis (which would log a stack trace per applied entry): the previous snapshot stands.
    assertThat(sm.takeSnapshot()).isEqualTo(5);
    assertThat(sm.takeSnapshot()).isEqualTo(5);
    assertThat(sm.snapshotFailures()).isEqualTo(2);
    assertThat(new File(smDir.getPath()).delete()).isTrue();
    assertThat(moved.renameTo(smDir)).isTrue();
    assertThat(sm.takeSnapshot()).isEqualTo(6);
    assertThat(sm.snapshotFailures()).isZero();
    assertThat(smDir.list()).noneMatch(n -> n.endsWith(".tmp"));
  }

  @Test
  void snapshotsKeepTheLeaseRecordsAndVersionOneFilesStillLoad() throws Exception {
    apply(3, 5, HighWaterCommand.persist(3, 1234, 240_000_000).encode());
    apply(3, 6, HighWaterCommand.release(3, 1300).encode());
    sm.takeSnapshot();
    HighWaterStateMachine restored = new HighWaterStateMachine();
    initialize(restored);
    assertThat(restored.register().state()).isEqualTo(new HighWaterRegister.State(1300, 3, 240_000_000, 3, true));

    // A version-1 file (as written before leases were recorded), under a newer name so it is the latest.
    Path dirOfSnapshots = sm.getLatestSnapshot().getFiles().get(0).getPath().getParent();
    java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(HighWaterSnapshot.V1_SIZE);
    b.putInt(HighWaterSnapshot.MAGIC).put((byte) 1).putLong(4).putLong(9).putLong(5555).putLong(4);
    java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
    crc.update(b.array(), 0, HighWaterSnapshot.V1_SIZE - 4);
    b.putInt((int) crc.getValue());
    Path v1 = dirOfSnapshots.resolve("snapshot.4_9");
    Files.write(v1, b.array());
    org.apache.ratis.util.MD5FileUtil.saveMD5File(v1.toFile(),
        org.apache.ratis.util.MD5FileUtil.computeMd5ForFile(v1.toFile()));
    HighWaterStateMachine old = new HighWaterStateMachine();
    initialize(old);
    assertThat(old.register().state()).isEqualTo(new HighWaterRegister.State(5555, 4));
    assertThat(old.getLastAppliedTermIndex()).isEqualTo(TermIndex.valueOf(4, 9));
  }

  @Test
  void corruptSnapshotFailsWithTheFileName() throws Exception {
    apply(3, 5, HighWaterCommand.persist(3, 1234).encode());
    sm.takeSnapshot();
    Path file = sm.getLatestSnapshot().getFiles().get(0).getPath();
    byte[] bytes = Files.readAllBytes(file);
    bytes[20] ^= 1;
    Files.write(file, bytes);
    HighWaterStateMachine restored = new HighWaterStateMachine();
    assertThatThrownBy(() -> initialize(restored)).hasMessageContaining(file.toString())
        .hasMessageContaining("corrupt");

    Files.write(file, new byte[] {1, 2});
    Files.delete(file.resolveSibling(file.getFileName() + ".md5"));
    assertThatThrownBy(() -> initialize(new HighWaterStateMachine())).hasMessageContaining(file.toString())
        .hasMessageContaining("size 2");
  }

  @Test
  void leadershipNotificationsBecomeHints() {
    List<LeadershipEvent> hints = new ArrayList<>();
    sm.setLeadershipHints(hints::add);
    RaftGroupMemberId me = RaftGroupMemberId.valueOf(RaftPeerId.valueOf("me"), RaftGroupId.randomId());
    sm.notifyConfigurationChanged(7, 10, null);
    sm.notifyLeaderReady();
    sm.notifyLeaderChanged(me, RaftPeerId.valueOf("other"));
    sm.notifyLeaderChanged(me, RaftPeerId.valueOf("me"));
    assertThat(hints).containsExactly(new LeadershipEvent.Leader(7),
        new LeadershipEvent.Follower(0, Optional.of("other")), new LeadershipEvent.Unknown(0));
  }

  private void initialize(HighWaterStateMachine machine) throws Exception {
    RaftStorage storage = RaftStorage.newBuilder().setDirectory(dir.toFile())
        .setOption(RaftStorage.StartupOption.RECOVER)
        .setStorageFreeSpaceMin(SizeInBytes.ONE_KB)
        .setLogCorruptionPolicy(RaftServerConfigKeys.Log.CorruptionPolicy.getDefault()).build();
    try {
      storage.initialize();
      machine.initialize(fakeServer(), RaftGroupId.randomId(), storage);
    } finally {
      storage.close(); // releases the directory lock; the state machine keeps only its directory
    }
  }

  /** A RaftServer that only knows its id (all the base state machine asks of it here). */
  private static RaftServer fakeServer() {
    return (RaftServer) Proxy.newProxyInstance(RaftServer.class.getClassLoader(), new Class<?>[] {RaftServer.class},
        (proxy, method, args) -> {
          if (method.getName().equals("getId")) {
            return RaftPeerId.valueOf("unit");
          }
          if (method.getName().equals("toString")) {
            return "fake-server";
          }
          throw new UnsupportedOperationException(method.getName());
        });
  }
}
