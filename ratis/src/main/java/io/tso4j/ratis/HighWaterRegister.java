package io.tso4j.ratis;

import io.tso4j.core.LeadershipEvent;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.zip.CRC32C;
import org.apache.ratis.protocol.RaftGroupMemberId;
import org.apache.ratis.protocol.RaftPeerId;

/**
 * The replicated high-water register of tso4j: (high-water mark, fenced term) and the one implementation of its apply
 * rules, used by {@link HighWaterStateMachine} (TSO in its own Raft group) and by a host application's own state
 * machine (TSO commands riding in the host's log, "piggyback").
 *
 * <p>Apply rules ({@link #apply}): a command is accepted only if its term equals the term of the log entry that
 * carries it and is not older than the fenced term; otherwise the reply is FENCED (a status, never an exception). An
 * accepted command sets the fenced term to its term; PERSIST stores max(high-water, value), so the mark only grows;
 * LOAD reads it. A malformed command gets BAD_COMMAND. No clock is read, so every replica computes the same state and
 * the same replies.
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
  /** The size of a tagged command, {@link #tag} of a {@link HighWaterCommand}. */
  public static final int TAGGED_SIZE = TAG.length + HighWaterCommand.SIZE;
  /** The size of {@link #snapshot()}: version, high-water, fenced term, CRC32C. */
  public static final int SNAPSHOT_SIZE = 1 + 8 + 8 + 4;
  private static final byte SNAPSHOT_VERSION = 1;

  private volatile Consumer<LeadershipEvent> hints = e -> { };
  // Guarded by this.
  private long highWater;
  private long fencedTerm;

  /**
   * The state of the register.
   *
   * @param highWater the high-water mark (physical milliseconds); never negative
   * @param fencedTerm the newest term a command was accepted in; never negative
   */
  public record State(long highWater, long fencedTerm) {
    /** The state of a fresh register. */
    public static final State EMPTY = new State(0, 0);

    /** Validates the fields. */
    public State {
      if (highWater < 0 || fencedTerm < 0) {
        throw new IllegalArgumentException("negative high-water " + highWater + " or fenced term " + fencedTerm);
      }
    }
  }

  /** An empty register (high-water 0, fenced term 0). */
  public HighWaterRegister() {
  }

  /** Whether {@code data} is a tagged tso4j command that a host must hand to {@link #applyTagged}. */
  public static boolean isTsoCommand(byte[] data) {
    return data != null && data.length == TAGGED_SIZE
        && Arrays.equals(data, 0, TAG.length, TAG, 0, TAG.length);
  }

  /** {@code command} with the tso4j tag in front, as written into a host's log. */
  public static byte[] tag(byte[] command) {
    if (command == null || command.length != HighWaterCommand.SIZE) {
      throw new IllegalArgumentException("a command is " + HighWaterCommand.SIZE + " bytes");
    }
    byte[] out = Arrays.copyOf(TAG, TAGGED_SIZE);
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
    if (cmd.term() != entryTerm || cmd.term() < fencedTerm) {
      return new HighWaterReply(HighWaterReply.Status.FENCED, fencedTerm, entryTerm);
    }
    fencedTerm = cmd.term();
    if (cmd.op() == HighWaterCommand.Op.PERSIST) {
      highWater = Math.max(highWater, cmd.value());
    }
    return new HighWaterReply(HighWaterReply.Status.OK, highWater, entryTerm);
  }

  /** The high-water mark as applied on this replica. */
  public synchronized long highWater() {
    return highWater;
  }

  /** The newest term a command was accepted in, as applied on this replica. */
  public synchronized long fencedTerm() {
    return fencedTerm;
  }

  /** The current state. */
  public synchronized State state() {
    return new State(highWater, fencedTerm);
  }

  /** Replaces the state (loading a snapshot); use {@link State#EMPTY} to reset. */
  public synchronized void restore(State state) {
    highWater = state.highWater();
    fencedTerm = state.fencedTerm();
  }

  /** The current state in a small versioned, checksummed format ({@value #SNAPSHOT_SIZE} bytes) for a snapshot. */
  public byte[] snapshot() {
    State s = state();
    ByteBuffer b = ByteBuffer.allocate(SNAPSHOT_SIZE);
    b.put(SNAPSHOT_VERSION).putLong(s.highWater()).putLong(s.fencedTerm());
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
    if (snapshot == null || snapshot.length != SNAPSHOT_SIZE) {
      throw new IOException("corrupt high-water snapshot: size "
          + (snapshot == null ? "null" : snapshot.length) + ", expected " + SNAPSHOT_SIZE);
    }
    ByteBuffer b = ByteBuffer.wrap(snapshot);
    byte version = b.get();
    if (version != SNAPSHOT_VERSION) {
      throw new IOException("corrupt high-water snapshot: unsupported version " + version);
    }
    long hw = b.getLong();
    long ft = b.getLong();
    CRC32C crc = new CRC32C();
    crc.update(snapshot, 0, SNAPSHOT_SIZE - 4);
    if (b.getInt() != (int) crc.getValue()) {
      throw new IOException("corrupt high-water snapshot: checksum mismatch");
    }
    try {
      return new State(hw, ft);
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
    return "HighWaterRegister[highWater=" + s.highWater() + ", fencedTerm=" + s.fencedTerm() + "]";
  }
}
