package io.tso4j.examples.piggybackkv;

import io.tso4j.ratis.HighWaterRegister;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Collection;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import org.apache.ratis.io.MD5Hash;
import org.apache.ratis.proto.RaftProtos.LogEntryProto;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftGroupMemberId;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.protocol.TermIndex;
import org.apache.ratis.server.raftlog.RaftLog;
import org.apache.ratis.server.storage.FileInfo;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.statemachine.StateMachineStorage;
import org.apache.ratis.statemachine.TransactionContext;
import org.apache.ratis.statemachine.impl.BaseStateMachine;
import org.apache.ratis.statemachine.impl.SimpleStateMachineStorage;
import org.apache.ratis.statemachine.impl.SingleFileSnapshotInfo;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;
import org.apache.ratis.util.MD5FileUtil;

/**
 * The host application's state machine: a replicated map key → (value, commit timestamp).
 *
 * <p>When it hosts the TSO in its log (piggyback), it does the four things a host must: tagged entries go to the
 * {@link HighWaterRegister} before its own decoding; the register's bytes are part of every snapshot; they are
 * restored whenever a snapshot is loaded; leadership notifications are forwarded (they return at once). With a null
 * register it is a plain KV store (the co-hosted example runs the TSO as another group instead).
 */
public final class KvStateMachine extends BaseStateMachine {
  private static final int MAGIC = 0x4B565331;

  private final HighWaterRegister register;
  private final SimpleStateMachineStorage storage = new SimpleStateMachineStorage();
  private final Map<String, StampedValue> data = new TreeMap<>();

  /** A store that hosts the TSO register in its log, or a plain one if {@code register} is null. */
  public KvStateMachine(HighWaterRegister register) {
    this.register = register;
  }

  /** The log entry of a write. */
  static byte[] encodePut(String key, String value, long commitTs) {
    return (key + "\0" + value + "\0" + commitTs).getBytes(StandardCharsets.UTF_8);
  }

  /** The value of {@code key} as applied on this replica. */
  public synchronized Optional<StampedValue> get(String key) {
    return Optional.ofNullable(data.get(key));
  }

  /** A copy of everything applied on this replica. */
  public synchronized Map<String, StampedValue> entries() {
    return new TreeMap<>(data);
  }

  @Override
  public void initialize(RaftServer server, RaftGroupId groupId, RaftStorage raftStorage) throws IOException {
    super.initialize(server, groupId, raftStorage);
    storage.init(raftStorage);
    load();
  }

  @Override
  public void reinitialize() throws IOException {
    load();
  }

  @Override
  public StateMachineStorage getStateMachineStorage() {
    return storage;
  }

  @Override
  public SingleFileSnapshotInfo getLatestSnapshot() {
    return storage.getLatestSnapshot();
  }

  @Override
  public CompletableFuture<Message> applyTransaction(TransactionContext trx) {
    LogEntryProto entry = trx.getLogEntry();
    byte[] bytes = entry.getStateMachineLogEntry().getLogData().toByteArray();
    byte[] reply;
    synchronized (this) {
      if (register != null && HighWaterRegister.isTsoCommand(bytes)) {
        reply = register.applyTagged(bytes, entry.getTerm()); // 1. TSO commands first
      } else {
        reply = applyPut(bytes);
      }
      updateLastAppliedTermIndex(entry.getTerm(), entry.getIndex());
    }
    return CompletableFuture.completedFuture(Message.valueOf(ByteString.copyFrom(reply)));
  }

  private byte[] applyPut(byte[] bytes) {
    String[] parts = new String(bytes, StandardCharsets.UTF_8).split("\0", -1);
    if (parts.length != 3) {
      return "bad".getBytes(StandardCharsets.UTF_8);
    }
    data.put(parts[0], new StampedValue(parts[1], Long.parseLong(parts[2])));
    return "ok".getBytes(StandardCharsets.UTF_8);
  }

  @Override
  public long takeSnapshot() throws IOException {
    TermIndex last;
    Map<String, StampedValue> copy;
    byte[] reg;
    synchronized (this) {
      last = getLastAppliedTermIndex();
      if (last == null || last.getIndex() < 0) {
        return RaftLog.INVALID_LOG_INDEX;
      }
      copy = new TreeMap<>(data);
      reg = register == null ? new byte[0] : register.snapshot(); // 2. the mark is part of the snapshot
    }
    File file = storage.getSnapshotFile(last.getTerm(), last.getIndex());
    Path tmp = file.toPath().resolveSibling(file.getName() + ".tmp");
    try (DataOutputStream out = new DataOutputStream(Files.newOutputStream(tmp))) {
      out.writeInt(MAGIC);
      out.writeInt(reg.length);
      out.write(reg);
      out.writeInt(copy.size());
      for (Map.Entry<String, StampedValue> e : copy.entrySet()) {
        out.writeUTF(e.getKey());
        out.writeUTF(e.getValue().value());
        out.writeLong(e.getValue().commitTs());
      }
    }
    MD5Hash md5 = MD5FileUtil.computeMd5ForFile(tmp.toFile());
    MD5FileUtil.saveMD5File(file, md5);
    Files.move(tmp, file.toPath(), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    storage.updateLatestSnapshot(new SingleFileSnapshotInfo(new FileInfo(file.toPath(), md5), last));
    return last.getIndex();
  }

  private void load() throws IOException {
    SingleFileSnapshotInfo latest = storage.loadLatestSnapshot();
    if (latest == null) {
      return;
    }
    Path file = latest.getFile().getPath();
    try (DataInputStream in = new DataInputStream(Files.newInputStream(file))) {
      if (in.readInt() != MAGIC) {
        throw new IOException("not a KV snapshot: " + file);
      }
      byte[] reg = new byte[in.readInt()];
      in.readFully(reg);
      Map<String, StampedValue> loaded = new TreeMap<>();
      for (int n = in.readInt(); n > 0; n--) {
        loaded.put(in.readUTF(), new StampedValue(in.readUTF(), in.readLong()));
      }
      synchronized (this) {
        if (register != null) {
          register.restore(reg); // 3. restored together with the data
        }
        data.clear();
        data.putAll(loaded);
        setLastAppliedTermIndex(latest.getTermIndex());
      }
    }
  }

  // 4. Leadership notifications go to the register; they never block.

  @Override
  public void notifyLeaderReady() {
    if (register != null) {
      register.notifyLeaderReady();
    }
  }

  @Override
  public void notifyNotLeader(Collection<TransactionContext> pendingEntries) {
    if (register != null) {
      register.notifyNotLeader();
    }
  }

  @Override
  public void notifyLeaderChanged(RaftGroupMemberId groupMemberId, RaftPeerId newLeaderId) {
    if (register != null) {
      register.notifyLeaderChanged(groupMemberId, newLeaderId);
    }
  }
}
