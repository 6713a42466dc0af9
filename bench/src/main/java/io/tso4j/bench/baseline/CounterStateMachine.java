package io.tso4j.bench.baseline;

import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;
import org.apache.ratis.proto.RaftProtos.LogEntryProto;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.statemachine.TransactionContext;
import org.apache.ratis.statemachine.impl.BaseStateMachine;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;

/**
 * The state machine of the naive baseline TSO: one counter; each command (a 4-byte count {@code n}) adds {@code n}
 * and answers the new value, so the caller owns {@code value - n + 1 .. value}. No snapshots: the baseline runs for
 * seconds. Thread-safe (Ratis applies entries one at a time; the counter is guarded by this).
 */
public final class CounterStateMachine extends BaseStateMachine {
  private long counter;

  /** A counter at 0. */
  public CounterStateMachine() {
  }

  @Override
  public CompletableFuture<Message> applyTransaction(TransactionContext trx) {
    LogEntryProto entry = trx.getLogEntry();
    ByteBuffer data = entry.getStateMachineLogEntry().getLogData().asReadOnlyByteBuffer();
    int n = data.remaining() >= 4 ? data.getInt() : 1;
    long value;
    synchronized (this) {
      counter += Math.max(1, n);
      value = counter;
      updateLastAppliedTermIndex(entry.getTerm(), entry.getIndex());
    }
    return CompletableFuture.completedFuture(Message.valueOf(ByteString.copyFrom(
        ByteBuffer.allocate(8).putLong(0, value))));
  }
}
