package io.tso4j.ratis;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.thirdparty.io.grpc.CallOptions;
import org.apache.ratis.thirdparty.io.grpc.stub.ClientCalls;
import org.apache.ratis.thirdparty.io.grpc.stub.StreamObserver;

/**
 * Reads the other members' last log entries and start times ({@link PeerLogService} on their Raft ports), all at
 * once, waiting up to a deadline: a peer that is down, slow, or not a tso4j node is left out of the answer. A call
 * waits for its channel to connect (within the deadline) rather than failing at once. Thread-safe.
 */
final class PeerLogReader {
  private final PeerChannels channels;

  /** A reader over {@code channels} (owned by the caller). */
  PeerLogReader(PeerChannels channels) {
    this.channels = channels;
  }

  /** Starts connecting to {@code address}, so that a read in a hurry finds the connection up. */
  void connect(String address) {
    channels.connect(address);
  }

  /**
   * The last log entry and start time of each peer in {@code peers} (id to Raft address) that answered within
   * {@code deadlineMillis}.
   */
  Map<RaftPeerId, PeerLogService.PeerLog> lastEntries(Map<RaftPeerId, String> peers, long deadlineMillis)
      throws InterruptedException {
    Map<RaftPeerId, CompletableFuture<PeerLogService.PeerLog>> calls = new HashMap<>();
    peers.forEach((peer, address) -> calls.put(peer, read(address, deadlineMillis)));
    long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(deadlineMillis);
    Map<RaftPeerId, PeerLogService.PeerLog> answers = new HashMap<>();
    for (Map.Entry<RaftPeerId, CompletableFuture<PeerLogService.PeerLog>> c : calls.entrySet()) {
      try {
        answers.put(c.getKey(), c.getValue().get(Math.max(0, end - System.nanoTime()), TimeUnit.NANOSECONDS));
      } catch (ExecutionException | TimeoutException e) {
        // Down, slow or not a tso4j node: no answer.
      }
    }
    return answers;
  }

  private CompletableFuture<PeerLogService.PeerLog> read(String address, long deadlineMillis) {
    CompletableFuture<PeerLogService.PeerLog> answer = new CompletableFuture<>();
    try {
      ClientCalls.asyncUnaryCall(channels.channel(address).newCall(PeerLogService.LAST_ENTRY,
          CallOptions.DEFAULT.withWaitForReady().withDeadlineAfter(deadlineMillis, TimeUnit.MILLISECONDS)), new byte[0],
          new StreamObserver<byte[]>() {
            @Override
            public void onNext(byte[] reply) {
              try {
                answer.complete(PeerLogService.decode(reply));
              } catch (IllegalArgumentException e) {
                answer.completeExceptionally(e);
              }
            }

            @Override
            public void onError(Throwable t) {
              answer.completeExceptionally(t);
            }

            @Override
            public void onCompleted() {
              answer.completeExceptionally(new IllegalStateException("no reply"));
            }
          });
    } catch (RuntimeException e) {
      answer.completeExceptionally(e);
    }
    return answer;
  }
}
