package io.tso4j.examples.piggybackkv;

import io.tso4j.core.ConsensusException;
import io.tso4j.core.RefusedException;
import io.tso4j.ratis.embed.EmbeddedTso;
import io.tso4j.ratis.HighWaterRegister;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.grpc.GrpcConfigKeys;
import org.apache.ratis.protocol.ClientId;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftClientRequest;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.server.DivisionInfo;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.RaftServerConfigKeys;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;
import org.apache.ratis.util.SizeInBytes;

/**
 * One node of the host application: a Ratis server with the KV group, and the TSO embedded in one of the two modes
 * (piggyback: in the KV log; co-hosted: as {@code tsoGroup} on the same server).
 */
public final class KvNode implements AutoCloseable {
  private final RaftServer server;
  private final RaftGroup kvGroup;
  private final KvStateMachine[] stateMachine;
  private final EmbeddedTso tso;
  private final ClientId clientId = ClientId.randomId();
  private final AtomicLong callIds = new AtomicLong();

  private KvNode(RaftServer server, RaftGroup kvGroup, KvStateMachine[] stateMachine, EmbeddedTso tso) {
    this.server = server;
    this.kvGroup = kvGroup;
    this.stateMachine = stateMachine;
    this.tso = tso;
  }

  /**
   * Starts node {@code id} of {@code kvGroup} with its data under {@code dataDir}; {@code tsoGroup} is used only in
   * co-hosted mode. {@code snapshotEvery} > 0 turns on automatic snapshots (and log purging) every that many entries.
   */
  public static KvNode start(String id, RaftGroup kvGroup, RaftGroup tsoGroup, Path dataDir, EmbeddedTso.Mode mode,
      long snapshotEvery) throws IOException, ConsensusException {
    RaftPeer me = kvGroup.getPeer(RaftPeerId.valueOf(id));
    RaftProperties props = new RaftProperties();
    RaftServerConfigKeys.setStorageDir(props, List.of(dataDir.toFile()));
    GrpcConfigKeys.Server.setHost(props, "127.0.0.1");
    GrpcConfigKeys.Server.setPort(props, Integer.parseInt(me.getAddress().substring(me.getAddress().lastIndexOf(':') + 1)));
    RaftServerConfigKeys.LeaderElection.setPreVote(props, true); // the TSO lease relies on it (the default)
    if (snapshotEvery > 0) {
      RaftServerConfigKeys.Snapshot.setAutoTriggerEnabled(props, true);
      RaftServerConfigKeys.Snapshot.setAutoTriggerThreshold(props, snapshotEvery);
      RaftServerConfigKeys.Log.setPurgeUptoSnapshotIndex(props, true);
      RaftServerConfigKeys.Log.setSegmentSizeMax(props, SizeInBytes.valueOf("64KB"));
    }
    HighWaterRegister register = mode == EmbeddedTso.Mode.PIGGYBACK ? new HighWaterRegister() : null;
    KvStateMachine[] sm = new KvStateMachine[1];
    // A registry, not setStateMachine: one server may host several groups (co-hosted mode adds the TSO group).
    RaftServer server = RaftServer.newBuilder().setServerId(me.getId()).setGroup(kvGroup).setProperties(props)
        .setStateMachineRegistry(EmbeddedTso.registryWithTsoGroup(tsoGroup.getGroupId(), gid -> {
          sm[0] = new KvStateMachine(register);
          return sm[0];
        }))
        .setOption(RaftStorage.StartupOption.RECOVER).build();
    server.start();
    try {
      EmbeddedTso tso = mode == EmbeddedTso.Mode.PIGGYBACK
          ? EmbeddedTso.piggyback(server, kvGroup.getGroupId(), register).start()
          : EmbeddedTso.cohosted(server, tsoGroup.getGroupId()).addGroupIfAbsent(tsoGroup).start();
      return new KvNode(server, kvGroup, sm, tso);
    } catch (ConsensusException | RuntimeException e) {
      server.close();
      throw e;
    }
  }

  /** The node id. */
  public String id() {
    return server.getId().toString();
  }

  /** The embedded TSO. */
  public EmbeddedTso tso() {
    return tso;
  }

  /** The KV state machine of this node. */
  public KvStateMachine store() {
    return stateMachine[0];
  }

  /** Whether this node leads the KV group and may take writes. */
  public boolean isKvLeader() {
    try {
      DivisionInfo info = server.getDivision(kvGroup.getGroupId()).getInfo();
      return info.isLeader() && info.isLeaderReady();
    } catch (IOException e) {
      return false;
    }
  }

  /**
   * A timestamp from the local oracle, waiting up to {@code maxWaitMillis} while it is not serving yet (fencing).
   *
   * @throws RefusedException if it does not serve within the wait (for example, this node is not the leader)
   */
  public long localTimestamp(long maxWaitMillis) throws RefusedException, InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(maxWaitMillis);
    while (true) {
      try {
        return tso.oracle().allocate(1).first();
      } catch (RefusedException e) {
        if (!e.reason().retryable() || System.nanoTime() - deadline > 0) {
          throw e;
        }
        Thread.sleep(5);
      }
    }
  }

  /**
   * Replicates key=value stamped with {@code commitTs} through this node, which must lead the KV group.
   *
   * @throws IOException if the write did not commit (not the leader, timeout)
   */
  public void put(String key, String value, long commitTs) throws IOException, InterruptedException {
    RaftClientRequest request = RaftClientRequest.newBuilder().setClientId(clientId).setServerId(server.getId())
        .setGroupId(kvGroup.getGroupId()).setCallId(callIds.incrementAndGet())
        .setMessage(Message.valueOf(ByteString.copyFrom(KvStateMachine.encodePut(key, value, commitTs))))
        .setType(RaftClientRequest.writeRequestType()).build();
    try {
      RaftClientReply reply = server.submitClientRequestAsync(request).get(5, TimeUnit.SECONDS);
      if (!reply.isSuccess()) {
        throw new IOException(id() + ": write of " + key + " failed: " + reply.getException());
      }
    } catch (ExecutionException | TimeoutException e) {
      throw new IOException(id() + ": write of " + key + " failed: " + e, e);
    }
  }

  /** Stops the TSO, then the server (its files stay). */
  @Override
  public void close() throws IOException {
    tso.close();
    server.close();
  }
}
