package io.tso4j.ratis.embed;

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
 * A test host application's state machine: a replicated string map ("key\0value" puts), with single-file snapshots.
 * With a {@link HighWaterRegister} it hosts the TSO in its log (piggyback): tagged entries go to the register first,
 * the register's state is part of every snapshot, and leadership notifications are forwarded.
 */
final class KvHostStateMachine extends BaseStateMachine {
  private static final int MAGIC = 0x4B564831;

  private final HighWaterRegister register;
  private final SimpleStateMachineStorage storage = new SimpleStateMachineStorage();
  private final Map<String, String> data = new TreeMap<>();
  private volatile long loadedSnapshotIndex = -1;

  /** A host state machine; {@code register} may be null (no TSO in this group). */
  KvHostStateMachine(HighWaterRegister register) {
    this.register = register;
  }

  static byte[] put(String key, String value) {
    return (key + "\0" + value).getBytes(StandardCharsets.UTF_8);
  }

  synchronized Map<String, String> entries() {
    return new TreeMap<>(data);
  }

  /** The index of the snapshot loaded at the last (re)initialize, or -1. */
  long loadedSnapshotIndex() {
    return loadedSnapshotIndex;
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

  private void load() throws IOException {
    SingleFileSnapshotInfo latest = storage.loadLatestSnapshot();
    if (latest == null) {
      return;
    }
    File file = latest.getFile().getPath().toFile();
    try (DataInputStream in = new DataInputStream(Files.newInputStream(file.toPath()))) {
      if (in.readInt() != MAGIC) {
        throw new IOException("bad snapshot " + file);
      }
      byte[] reg = new byte[in.readInt()];
      in.readFully(reg);
      Map<String, String> loaded = new TreeMap<>();
      for (int n = in.readInt(); n > 0; n--) {
        loaded.put(in.readUTF(), in.readUTF());
      }
      synchronized (this) {
        if (register != null) {
          register.restore(reg);
        }
        data.clear();
        data.putAll(loaded);
        setLastAppliedTermIndex(TermIndex.valueOf(latest.getTerm(), latest.getIndex()));
      }
    }
    loadedSnapshotIndex = latest.getIndex();
  }

  @Override
  public long takeSnapshot() throws IOException {
    TermIndex last;
    Map<String, String> copy;
    byte[] reg;
    synchronized (this) {
      last = getLastAppliedTermIndex();
      if (last == null || last.getIndex() < 0) {
        return RaftLog.INVALID_LOG_INDEX;
      }
      copy = new TreeMap<>(data);
      reg = register == null ? new byte[0] : register.snapshot();
    }
    File file = storage.getSnapshotFile(last.getTerm(), last.getIndex());
    Path tmp = file.toPath().resolveSibling(file.getName() + ".tmp");
    try (DataOutputStream out = new DataOutputStream(Files.newOutputStream(tmp))) {
      out.writeInt(MAGIC);
      out.writeInt(reg.length);
      out.write(reg);
      out.writeInt(copy.size());
      for (Map.Entry<String, String> e : copy.entrySet()) {
        out.writeUTF(e.getKey());
        out.writeUTF(e.getValue());
      }
    }
    MD5Hash md5 = MD5FileUtil.computeMd5ForFile(tmp.toFile());
    MD5FileUtil.saveMD5File(file, md5);
    Files.move(tmp, file.toPath(), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    storage.updateLatestSnapshot(new SingleFileSnapshotInfo(new FileInfo(file.toPath(), md5), last));
    return last.getIndex();
  }

  @Override
  public CompletableFuture<Message> applyTransaction(TransactionContext trx) {
    LogEntryProto entry = trx.getLogEntry();
    byte[] bytes = entry.getStateMachineLogEntry().getLogData().toByteArray();
    byte[] reply;
    synchronized (this) {
      if (register != null && HighWaterRegister.isTsoCommand(bytes)) {
        reply = register.applyTagged(bytes, entry.getTerm());
      } else {
        String s = new String(bytes, StandardCharsets.UTF_8);
        int sep = s.indexOf('\0');
        if (sep > 0) {
          data.put(s.substring(0, sep), s.substring(sep + 1));
          reply = "ok".getBytes(StandardCharsets.UTF_8);
        } else {
          reply = "bad".getBytes(StandardCharsets.UTF_8);
        }
      }
      updateLastAppliedTermIndex(entry.getTerm(), entry.getIndex());
    }
    return CompletableFuture.completedFuture(Message.valueOf(ByteString.copyFrom(reply)));
  }

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
