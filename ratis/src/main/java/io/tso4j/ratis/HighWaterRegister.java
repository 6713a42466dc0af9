package io.tso4j.ratis;

import io.tso4j.core.LeadershipEvent;
import io.tso4j.timestamp.Timestamp;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.zip.CRC32C;
import org.apache.ratis.protocol.RaftGroupMemberId;
import org.apache.ratis.protocol.RaftPeerId;

/**
 * The replicated high-water register of tso4j: (high-water mark, fenced term, largest lease, lease release) and the
 * one implementation of its apply rules, used by {@link HighWaterStateMachine} (TSO in its own Raft group) and by a
 * host application's own state machine (TSO commands riding in the host's log, "piggyback").
 *
 * <p>Apply rules ({@link #apply}, docs/correctness.md R1–R5): a command is accepted only if its term equals the term
 * of the log entry that carries it and is not older than the fenced term; otherwise the reply is FENCED (a status,
 * never an exception). A PERSIST or RELEASE whose value is above {@link Timestamp#MAX_PHYSICAL} gets OUT_OF_RANGE and
 * changes nothing. An accepted command sets the fenced term to its term. PERSIST stores max(high-water, value), so the
 * mark only grows, keeps the largest lease any PERSIST carried, records its term as the last lease-granting term and
 * ends any release. RELEASE raises the mark to at least its value and, if the last lease-granting write was of its own
 * term, records the lease as released. LOAD reads all of it. A malformed command gets BAD_COMMAND. No clock is read,
 * so every replica computes the same state and the same replies.
 *
 * <p>For a host state machine (piggyback mode), in {@code applyTransaction}:
 *
 * <pre>{@code
 * byte[] data = entry.getStateMachineLogEntry().getLogData().toByteArray();
 * if (HighWaterRegister.isTsoCommand(data)) {          // before the host's own decoding
 *   byte[] reply = register.applyTagged(data, entry.getTerm());
 *   updateLastAppliedTermIndex(entry.getTerm(), entry.getIndex());
 *   return CompletableFuture.completedFuture(Message.valueOf(ByteString.copyFrom(reply)));
 * }
 * }</pre>
 *
 * <p>and include {@link #snapshot()} in the host's snapshot, {@link #restore(byte[])} it when the snapshot is loaded,
 * and forward {@link #notifyLeaderReady()}, {@link #notifyNotLeader()} and {@link #notifyLeaderChanged} from the
 * host's Ratis event callbacks. Those three return at once; never block in Ratis callbacks.
 *
 * <p>Thread-safe: state is guarded by this object's monitor.
 */
public final class HighWaterRegister {
  /** The prefix that marks a tso4j command in a host's log: starts with 0, which no protobuf message does. */
  private static final byte[] TAG = {0, 'T', 'S', 'O', '4', 'J', 'H', 1};
  /** The size of a tagged command, {@link #tag} of a {@link HighWaterCommand} of the current version. */
  public static final int TAGGED_SIZE = TAG.length + HighWaterCommand.SIZE;
  /**
   * The size of {@link #snapshot()}: version, high-water, fenced term, largest lease, last lease term, flags, CRC32C.
   * A version-1 snapshot ({@value #SNAPSHOT_V1_SIZE} bytes: version, high-water, fenced term, CRC32C) still loads.
   */
  public static final int SNAPSHOT_SIZE = 1 + 8 + 8 + 8 + 8 + 1 + 4;
  /** The size of a version-1 snapshot. */
  public static final int SNAPSHOT_V1_SIZE = 1 + 8 + 8 + 4;
  private static final byte SNAPSHOT_VERSION = 2;

  private volatile Consumer<LeadershipEvent> hints = e -> { };
  // Guarded by this.
  private State state = State.EMPTY;

  /**
   * The state of the register.
   *
   * @param highWater the high-water mark (physical milliseconds); in [0, {@link Timestamp#MAX_PHYSICAL}]
   * @param fencedTerm the newest term a command was accepted in; never negative
   * @param largestLeaseNanos the longest lease any PERSIST carried; never negative
   * @param lastLeaseTerm the term of the last accepted PERSIST (a lease-granting write); 0 if none
   * @param leaseReleased whether a RELEASE of {@code lastLeaseTerm} came after that PERSIST
   */
  public record State(long highWater, long fencedTerm, long largestLeaseNanos, long lastLeaseTerm,
      boolean leaseReleased) {
    /** The state of a fresh register. */
    public static final State EMPTY = new State(0, 0);

    /** A state without lease records (what a version-1 snapshot holds). */
    public State(long highWater, long fencedTerm) {
      this(highWater, fencedTerm, 0, 0, false);
    }

    /** Validates the fields. */
    public State {
      if (highWater < 0 || fencedTerm < 0 || largestLeaseNanos < 0 || lastLeaseTerm < 0) {
        throw new IllegalArgumentException("negative field in high-water " + highWater + ", fenced term "
            + fencedTerm + ", largest lease " + largestLeaseNanos + ", last lease term " + lastLeaseTerm);
      }
      if (highWater > Timestamp.MAX_PHYSICAL) {
        throw new IllegalArgumentException("high-water " + highWater + " above the limit " + Timestamp.MAX_PHYSICAL);
      }
    }
  }

  /** An empty register (high-water 0, fenced term 0). */
  public HighWaterRegister() {
  }

  /**
   * Whether {@code data} is a tagged tso4j command (of any version this code reads) that a host must hand to {@link
   * #applyTagged}.
   */
  public static boolean isTsoCommand(byte[] data) {
    return data != null && HighWaterCommand.isCommandSize(data.length - TAG.length)
        && Arrays.equals(data, 0, TAG.length, TAG, 0, TAG.length);
  }

  /** {@code command} with the tso4j tag in front, as written into a host's log. */
  public static byte[] tag(byte[] command) {
    if (command == null || !HighWaterCommand.isCommandSize(command.length)) {
      throw new IllegalArgumentException("a command is " + HighWaterCommand.SIZE + " (or " + HighWaterCommand.V1_SIZE
          + ") bytes");
    }
    byte[] out = Arrays.copyOf(TAG, TAG.length + command.length);
    System.arraycopy(command, 0, out, TAG.length, command.length);
    return out;
  }

  /**
   * The command inside a tagged message.
   *
   * @throws IllegalArgumentException if {@code tagged} is not a tagged command
   */
  public static byte[] untag(byte[] tagged) {
    if (!isTsoCommand(tagged)) {
      throw new IllegalArgumentException("not a tagged tso4j command");
    }
    return Arrays.copyOfRange(tagged, TAG.length, tagged.length);
  }

  /** Applies a tagged command carried by a log entry of {@code entryTerm}; returns the encoded reply. */
  public byte[] applyTagged(byte[] tagged, long entryTerm) {
    if (!isTsoCommand(tagged)) {
      return new HighWaterReply(HighWaterReply.Status.BAD_COMMAND, 0, entryTerm).encode();
    }
    return apply(untag(tagged), entryTerm).encode();
  }

  /** Applies one (untagged) command carried by a log entry of {@code entryTerm}; deterministic. */
  public synchronized HighWaterReply apply(byte[] command, long entryTerm) {
    HighWaterCommand cmd;
    try {
      cmd = HighWaterCommand.decode(command);
    } catch (IllegalArgumentException e) {
      return new HighWaterReply(HighWaterReply.Status.BAD_COMMAND, 0, entryTerm);
    }
    State s = state;
    if (cmd.term() != entryTerm || cmd.term() < s.fencedTerm()) {
      return new HighWaterReply(HighWaterReply.Status.FENCED, s.fencedTerm(), entryTerm);
    }
    if (cmd.op() != HighWaterCommand.Op.LOAD && cmd.value() > Timestamp.MAX_PHYSICAL) {
      return new HighWaterReply(HighWaterReply.Status.OUT_OF_RANGE, Timestamp.MAX_PHYSICAL, entryTerm);
    }
    state = switch (cmd.op()) {
      case LOAD -> new State(s.highWater(), cmd.term(), s.largestLeaseNanos(), s.lastLeaseTerm(), s.leaseReleased());
      case PERSIST -> new State(Math.max(s.highWater(), cmd.value()), cmd.term(),
          Math.max(s.largestLeaseNanos(), cmd.leaseNanos()), cmd.term(), false);
      case RELEASE -> new State(Math.max(s.highWater(), cmd.value()), cmd.term(), s.largestLeaseNanos(),
          s.lastLeaseTerm(), s.leaseReleased() || s.lastLeaseTerm() == cmd.term());
    };
    return new HighWaterReply(HighWaterReply.Status.OK, state.highWater(), entryTerm, state.largestLeaseNanos(),
        state.leaseReleased());
  }

  /** The high-water mark as applied on this replica. */
  public synchronized long highWater() {
    return state.highWater();
  }

  /** The newest term a command was accepted in, as applied on this replica. */
  public synchronized long fencedTerm() {
    return state.fencedTerm();
  }

  /** The current state. */
  public synchronized State state() {
    return state;
  }

  /** Replaces the state (loading a snapshot); use {@link State#EMPTY} to reset. */
  public synchronized void restore(State state) {
    this.state = state;
  }

  /** The current state in a small versioned, checksummed format ({@value #SNAPSHOT_SIZE} bytes) for a snapshot. */
  public byte[] snapshot() {
    State s = state();
    ByteBuffer b = ByteBuffer.allocate(SNAPSHOT_SIZE);
    b.put(SNAPSHOT_VERSION).putLong(s.highWater()).putLong(s.fencedTerm()).putLong(s.largestLeaseNanos())
        .putLong(s.lastLeaseTerm()).put((byte) (s.leaseReleased() ? 1 : 0));
    CRC32C crc = new CRC32C();
    crc.update(b.array(), 0, SNAPSHOT_SIZE - 4);
    b.putInt((int) crc.getValue());
    return b.array();
  }

  /**
   * Replaces the state with one saved by {@link #snapshot()}.
   *
   * @throws IOException if the bytes are not a valid snapshot (never silently starts empty: that could hand out
   *     lower timestamps)
   */
  public void restore(byte[] snapshot) throws IOException {
    restore(decodeSnapshot(snapshot));
  }

  /**
   * Parses bytes saved by {@link #snapshot()} without changing the register.
   *
   * @throws IOException if the bytes are not a valid snapshot
   */
  public static State decodeSnapshot(byte[] snapshot) throws IOException {
    if (snapshot == null || (snapshot.length != SNAPSHOT_SIZE && snapshot.length != SNAPSHOT_V1_SIZE)) {
      throw new IOException("corrupt high-water snapshot: size "
          + (snapshot == null ? "null" : snapshot.length) + ", expected " + SNAPSHOT_SIZE + " (or "
          + SNAPSHOT_V1_SIZE + ")");
    }
    ByteBuffer b = ByteBuffer.wrap(snapshot);
    byte version = b.get();
    int expected = version == 1 ? SNAPSHOT_V1_SIZE : version == SNAPSHOT_VERSION ? SNAPSHOT_SIZE : -1;
    if (expected != snapshot.length) {
      throw new IOException("corrupt high-water snapshot: unsupported version " + version + " for size "
          + snapshot.length);
    }
    long hw = b.getLong();
    long ft = b.getLong();
    long lease = version == 1 ? 0 : b.getLong();
    long leaseTerm = version == 1 ? 0 : b.getLong();
    byte flags = version == 1 ? 0 : b.get();
    CRC32C crc = new CRC32C();
    crc.update(snapshot, 0, snapshot.length - 4);
    if (b.getInt() != (int) crc.getValue()) {
      throw new IOException("corrupt high-water snapshot: checksum mismatch");
    }
    if ((flags & ~1) != 0) {
      throw new IOException("corrupt high-water snapshot: unknown flags " + flags);
    }
    try {
      return new State(hw, ft, lease, leaseTerm, (flags & 1) != 0);
    } catch (IllegalArgumentException e) {
      throw new IOException("corrupt high-water snapshot: " + e.getMessage(), e);
    }
  }

  /** Forward from the host's {@code notifyLeaderReady()}; returns at once. */
  public void notifyLeaderReady() {
    hint(new LeadershipEvent.Leader(0));
  }

  /** Forward from the host's {@code notifyNotLeader(...)}; returns at once. */
  public void notifyNotLeader() {
    hint(new LeadershipEvent.Unknown(0));
  }

  /** Forward from the host's {@code notifyLeaderChanged(groupMemberId, newLeaderId)}; returns at once. */
  public void notifyLeaderChanged(RaftGroupMemberId groupMemberId, RaftPeerId newLeaderId) {
    if (newLeaderId == null || groupMemberId == null || newLeaderId.equals(groupMemberId.getPeerId())) {
      hint(new LeadershipEvent.Unknown(0));
    } else {
      hint(new LeadershipEvent.Follower(0, Optional.of(newLeaderId.toString())));
    }
  }

  /** Sets where leadership hints go (the driver; must not block); null for nowhere. */
  void setLeadershipHints(Consumer<LeadershipEvent> consumer) {
    this.hints = consumer == null ? e -> { } : consumer;
  }

  /** Passes a hint on; the driver confirms it against the division's state. */
  void hint(LeadershipEvent event) {
    hints.accept(event);
  }

  @Override
  public String toString() {
    State s = state();
    return "HighWaterRegister[highWater=" + s.highWater() + ", fencedTerm=" + s.fencedTerm() + ", largestLease="
        + s.largestLeaseNanos() / 1_000_000 + " ms, lastLeaseTerm=" + s.lastLeaseTerm() + ", released="
        + s.leaseReleased() + "]";
  }
}
