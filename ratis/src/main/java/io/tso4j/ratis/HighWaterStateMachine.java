package io.tso4j.ratis;

import io.tso4j.core.LeadershipEvent;
import java.io.File;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import org.apache.ratis.io.MD5Hash;
import org.apache.ratis.proto.RaftProtos.LogEntryProto;
import org.apache.ratis.proto.RaftProtos.RaftConfigurationProto;
import org.apache.ratis.protocol.ClientId;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientRequest;
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
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Ratis state machine of the high-water register: a thin, deterministic adapter over the register's state
 * (high-water mark, fenced term, largest lease, lease release).
 *
 * <p>{@link #applyTransaction} hands each command to a {@link HighWaterRegister}, the one implementation of the apply
 * rules (term check against the entry's term, the mark only grows, deterministic status replies, no clock); the same
 * register is what a host application embeds in its own state machine when the TSO rides in its log.
 *
 * <p>One node-local exception to "no clock": the adapter notes on the monotonic clock when it applied the last
 * lease-granting PERSIST, and a LOAD reply says how long ago that was (docs/correctness.md F6b). It changes no state.
 *
 * <p>Snapshots are single files in {@link SimpleStateMachineStorage}, checksummed and renamed into place; a corrupt
 * or unreadable snapshot fails {@link #initialize} / {@link #reinitialize} with a message naming the file rather than
 * starting from an empty register.
 *
 * <p>Leadership notifications are forwarded, without blocking, as hints to the listener set with {@link
 * #setLeadershipHints}; the driver confirms them against the division's state.
 *
 * <p>Only this node's own {@link RatisDriver} may write to the register: {@link #startTransaction} refuses, with a
 * {@link ForeignProposerException}, every write request whose Ratis client id is not the driver's (a random id per
 * driver, set when it starts). The check runs where a request enters the log (on the leader, before the entry is
 * appended), never when an entry is applied, so every replica still applies every committed entry the same way, on
 * replay too, whichever node proposed it (docs/correctness.md R6).
 *
 * <p>To embed tso4j in an application that already runs Ratis, register one instance for the TSO group with {@code
 * RaftServer.Builder.setStateMachineRegistry} and attach a {@link RatisDriver} to it.
 */
public final class HighWaterStateMachine extends BaseStateMachine {
  private static final Logger LOG = LoggerFactory.getLogger(HighWaterStateMachine.class);
  /** At most one WARN line about refused foreign writes per this interval. */
  private static final long REFUSAL_WARN_INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(10);

  private final SimpleStateMachineStorage storage = new SimpleStateMachineStorage();
  private final HighWaterRegister register = new HighWaterRegister();
  private final LongSupplier ticker;
  /** When entries reached this replica's log (F6c), from looks the driver takes (ticker nanos). */
  private final LogArrivals arrivals = new LogArrivals();
  /**
   * When (ticker nanos) the last lease-granting PERSIST reached this replica's log, or, if no look showed that, when
   * it was applied here (F6b, F6c); guarded by {@code this}.
   */
  private long lastGrantNanos;
  /** Whether {@link #lastGrantNanos} is known (not since start or since a snapshot load); guarded by this. */
  private boolean lastGrantKnown;
  private volatile long lastConfigurationTerm;
  private volatile File stateMachineDir;
  private final java.util.concurrent.atomic.AtomicLong snapshotFailures = new java.util.concurrent.atomic.AtomicLong();
  private volatile String logId = "?";
  private volatile ClientId proposer;
  private final AtomicLong refusedWrites = new AtomicLong();
  private final AtomicLong lastRefusalWarnNanos = new AtomicLong(System.nanoTime() - REFUSAL_WARN_INTERVAL_NANOS);

  /** An empty register; the snapshot (if any) is loaded in {@link #initialize}. */
  public HighWaterStateMachine() {
    this(System::nanoTime);
  }

  /** An empty register whose apply times come from {@code ticker} (monotonic nanoseconds; tests pass their own). */
  HighWaterStateMachine(LongSupplier ticker) {
    this.ticker = ticker;
  }

  /**
   * Notes that the replica's log ends at {@code last} now (F6c). The driver calls it every few milliseconds; the
   * sooner after an entry's arrival a look finds it, the shorter a later fence's wait.
   */
  void lookAtLog(TermIndex last) {
    arrivals.look(ticker.getAsLong(), last);
  }

  /** Sets where leadership hints go (from Ratis threads; the consumer must not block). */
  void setLeadershipHints(Consumer<LeadershipEvent> consumer) {
    register.setLeadershipHints(consumer);
  }

  /** Accepts write requests from the Ratis client {@code driverClientId} only (this node's driver). */
  void acceptWritesFrom(ClientId driverClientId) {
    this.proposer = driverClientId;
  }

  /** How many write requests {@link #startTransaction} refused because they did not come from this node's driver. */
  public long refusedWrites() {
    return refusedWrites.get();
  }

  /**
   * Lets a write request into the log only if it comes from this node's driver; any other gets a transaction
   * carrying a {@link ForeignProposerException}, which Ratis returns to the sender without appending anything.
   */
  @Override
  public TransactionContext startTransaction(RaftClientRequest request) throws IOException {
    TransactionContext trx = super.startTransaction(request);
    ClientId allowed = proposer;
    if (allowed == null || !allowed.equals(request.getClientId())) {
      long n = refusedWrites.incrementAndGet();
      long now = System.nanoTime();
      long last = lastRefusalWarnNanos.get();
      if (now - last >= REFUSAL_WARN_INTERVAL_NANOS && lastRefusalWarnNanos.compareAndSet(last, now)) {
        LOG.warn("[{}] refused a write to the high-water register from Ratis client {}: only this node's tso4j "
            + "driver may write ({} refused since start)", idOrUnknown(), request.getClientId(), n);
      }
      trx.setException(new ForeignProposerException(request.getClientId().toString()));
    }
    return trx;
  }

  /** The register this state machine applies commands to. */
  HighWaterRegister register() {
    return register;
  }

  /** The high-water mark as applied on this replica. */
  public long highWater() {
    return register.highWater();
  }

  /** The newest term a command was accepted in, as applied on this replica. */
  public long fencedTerm() {
    return register.fencedTerm();
  }

  @Override
  public void initialize(RaftServer server, RaftGroupId groupId, RaftStorage raftStorage) throws IOException {
    super.initialize(server, groupId, raftStorage);
    logId = server == null ? "?" : server.getId().toString();
    stateMachineDir = raftStorage.getStorageDir().getStateMachineDir();
    storage.init(raftStorage);
    loadLatest();
  }

  @Override
  public void reinitialize() throws IOException {
    loadLatest();
  }

  private void loadLatest() throws IOException {
    File dir = stateMachineDir;
    if (dir != null) {
      checkReadableDirectory(dir.toPath());
    }
    synchronized (this) {
      // Whatever the snapshot holds was applied at an unknown time: the next fence waits by the load-sent rule.
      lastGrantKnown = false;
      arrivals.clear();
    }
    SingleFileSnapshotInfo latest = storage.loadLatestSnapshot();
    if (latest == null) {
      if (dir != null && hasSnapshotFiles(dir.toPath())) {
        throw new IOException("snapshot files exist in " + dir + " but none could be loaded; refusing to start "
            + "from an empty register");
      }
      LOG.info("[{}] no snapshot; starting from the log", idOrUnknown());
      return;
    }
    FileInfo info = latest.getFile();
    File file = info.getPath().toFile();
    HighWaterSnapshot s = HighWaterSnapshot.read(file, latest.getTerm(), latest.getIndex(), info.getFileDigest());
    synchronized (this) {
      register.restore(s.state());
      setLastAppliedTermIndex(TermIndex.valueOf(s.term(), s.index()));
    }
    LOG.info("[{}] loaded snapshot {}: high-water {}, fenced term {}, largest lease {} ms, lease released {}",
        idOrUnknown(), file, s.state().highWater(), s.state().fencedTerm(), s.state().largestLeaseNanos() / 1_000_000,
        s.state().leaseReleased());
  }

  private static void checkReadableDirectory(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    if (!Files.isDirectory(dir)) {
      throw new IOException("state machine directory " + dir + " is not a directory");
    }
    try (DirectoryStream<Path> s = Files.newDirectoryStream(dir)) {
      s.iterator().hasNext();
    } catch (IOException e) {
      throw new IOException("cannot read state machine directory " + dir + ": " + e, e);
    }
  }

  private static boolean hasSnapshotFiles(Path dir) throws IOException {
    if (!Files.isDirectory(dir)) {
      return false;
    }
    try (DirectoryStream<Path> s = Files.newDirectoryStream(dir)) {
      for (Path p : s) {
        if (SimpleStateMachineStorage.SNAPSHOT_REGEX.matcher(p.getFileName().toString()).matches()) {
          return true;
        }
      }
    }
    return false;
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
  public long takeSnapshot() throws IOException {
    HighWaterSnapshot s;
    synchronized (this) {
      TermIndex last = getLastAppliedTermIndex();
      if (last == null || last.getIndex() < 0) {
        return RaftLog.INVALID_LOG_INDEX;
      }
      s = new HighWaterSnapshot(last.getTerm(), last.getIndex(), register.state());
    }
    File file = storage.getSnapshotFile(s.term(), s.index());
    MD5Hash md5;
    try {
      md5 = s.write(file);
    } catch (IOException e) {
      // A full or failing disk: Ratis retries after every applied entry and would log each failure with a stack
      // trace; say it once per episode and keep the previous snapshot (the log keeps every entry meanwhile).
      long failures = snapshotFailures.incrementAndGet();
      if (failures == 1) {
        LOG.warn("[{}] cannot write snapshot {}: {}; keeping the previous snapshot and the whole log, retrying after "
            + "each applied entry (logged once until a snapshot succeeds)", idOrUnknown(), file, e.toString());
      }
      SingleFileSnapshotInfo previous = storage.getLatestSnapshot();
      return previous == null ? RaftLog.INVALID_LOG_INDEX : previous.getIndex();
    }
    storage.updateLatestSnapshot(new SingleFileSnapshotInfo(new FileInfo(file.toPath(), md5), s.term(), s.index()));
    long failed = snapshotFailures.getAndSet(0);
    if (failed > 0) {
      LOG.info("[{}] snapshot {} written after {} failed attempts", idOrUnknown(), file, failed);
    } else {
      LOG.debug("[{}] wrote snapshot {}", idOrUnknown(), file);
    }
    return s.index();
  }

  /** Snapshot attempts that failed since the last one that succeeded. */
  long snapshotFailures() {
    return snapshotFailures.get();
  }

  @Override
  public CompletableFuture<Message> applyTransaction(TransactionContext trx) {
    LogEntryProto entry = trx.getLogEntry();
    byte[] data = entry.getStateMachineLogEntry().getLogData().toByteArray();
    HighWaterReply reply;
    synchronized (this) {
      reply = noteGrantAge(data, register.apply(data, entry.getTerm()), entry.getTerm(), entry.getIndex());
      updateLastAppliedTermIndex(entry.getTerm(), entry.getIndex());
    }
    return CompletableFuture.completedFuture(Message.valueOf(ByteString.copyFrom(reply.encode())));
  }

  /**
   * F6b, F6c: remembers when a lease-granting PERSIST reached this replica's log (or, if no look at the log showed
   * it, when it was applied here) and tells a LOAD how long ago that was. An entry is in a log, and applied, only
   * after its proposer sent it, so the lease that write granted (which counts from its send) ends at the latest one
   * lease after either. A node-local reading of the monotonic clock, used only in the reply: the register's state stays
   * a deterministic function of the log.
   */
  private HighWaterReply noteGrantAge(byte[] data, HighWaterReply reply, long term, long index) {
    if (reply.status() != HighWaterReply.Status.OK) {
      return reply;
    }
    HighWaterCommand.Op op = HighWaterCommand.decode(data).op();
    long now = ticker.getAsLong();
    if (op == HighWaterCommand.Op.PERSIST) {
      OptionalLong arrived = arrivals.arrivedBy(term, index);
      lastGrantNanos = arrived.isPresent() && arrived.getAsLong() - now < 0 ? arrived.getAsLong() : now;
      lastGrantKnown = true;
      return reply;
    }
    if (op == HighWaterCommand.Op.LOAD && lastGrantKnown) {
      return reply.withSinceLastGrant(Math.max(0, now - lastGrantNanos));
    }
    return reply;
  }

  @Override
  public void notifyConfigurationChanged(long term, long index, RaftConfigurationProto newRaftConfiguration) {
    lastConfigurationTerm = term;
  }

  @Override
  public void notifyLeaderReady() {
    // Ratis calls this right after applying this term's first (configuration) entry.
    register.hint(new LeadershipEvent.Leader(lastConfigurationTerm));
  }

  @Override
  public void notifyLeaderChanged(RaftGroupMemberId groupMemberId, RaftPeerId newLeaderId) {
    register.notifyLeaderChanged(groupMemberId, newLeaderId);
  }

  @Override
  public void notifyNotLeader(Collection<TransactionContext> pendingEntries) {
    register.notifyNotLeader();
  }

  private String idOrUnknown() {
    return logId;
  }

  @Override
  public String toString() {
    return "HighWaterStateMachine[" + logId + "]";
  }
}
