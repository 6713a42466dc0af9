package io.tso4j.client.internal;

import io.tso4j.client.TimestampRange;
import io.tso4j.client.TsoOrderViolationException;
import io.tso4j.proto.v1.GetTimestampResponse;
import io.tso4j.timestamp.Timestamp;

/**
 * Hands one response to its batch's callers: checks it with the {@link OrderGuard} as a whole and for each caller
 * against the floor the caller took when it called, records it, and splits the range among exactly the batch's
 * callers in order (the first {@code count} values to the first caller, and so on). A response that breaks a rule
 * fails every caller of its batch with {@link TsoOrderViolationException} and is never handed out.
 *
 * <p>Callers' continuations run on the delivering thread. Every {@link #CHECKPOINT} callers the delivery tells its
 * {@link Checkpoint} how many are left, so that the dispatcher can send the callers that are already waiting again
 * (see {@link PipelinePolicy}). Thread-safe; one delivery at a time per dispatcher.
 */
final class Delivery {
  /** How many callers are handed their range between two checkpoints: 32. */
  static final int CHECKPOINT = 32;

  /** Told during a delivery how many callers are still to be handed their range. */
  @FunctionalInterface
  interface Checkpoint {
    /** {@code left} callers of the response are still waiting for their range. */
    void reached(int left);
  }

  private final OrderGuard guard;
  private final LeaderCache leaders;
  private final MetricsHub metrics;
  private final Ticker ticker;
  private volatile Thread thread;

  Delivery(OrderGuard guard, LeaderCache leaders, MetricsHub metrics, Ticker ticker) {
    this.guard = guard;
    this.leaders = leaders;
    this.metrics = metrics;
    this.ticker = ticker;
  }

  /** Checks {@code response} (from {@code endpoint}, for {@code b}) and hands it out. */
  void deliver(String endpoint, Batch b, GetTimestampResponse response, Checkpoint checkpoint) {
    thread = Thread.currentThread();
    try {
      long first = response.getFirst();
      long term = response.getTerm();
      try {
        guard.checkResponse(b.total, b.requestId, response);
        long offset = 0;
        for (int i = 0; i < b.size; i++) {
          Waiter w = b.waiters[i];
          guard.checkAbove(w.floor, w.termFloor, first + offset, term);
          offset += w.count;
        }
      } catch (TsoOrderViolationException e) {
        for (int i = 0; i < b.size; i++) {
          b.waiters[i].fail(e, metrics, ticker);
        }
        return;
      }
      guard.record(first + b.total - 1, term);
      if (leaders.confirmServed(term, endpoint)) {
        metrics.leaderChanged();
      }
      boolean timed = metrics.enabled();
      long now = timed ? ticker.nanoTime() : 0;
      long offset = 0;
      for (int i = 0; i < b.size; i++) {
        Waiter w = b.waiters[i];
        w.succeed(TimestampRange.of(Timestamp.fromLong(first + offset), w.count, term), metrics, now);
        offset += w.count;
        if ((i + 1) % CHECKPOINT == 0 && i + 1 < b.size) {
          checkpoint.reached(b.size - i - 1);
          if (timed) {
            now = ticker.nanoTime();
          }
        }
      }
    } finally {
      thread = null;
    }
  }

  /**
   * Whether the calling thread is handing out a response now (a continuation of an async call). Such a thread must
   * not block on the stream: the stream cannot deliver the next response until it returns.
   */
  boolean onDeliveryThread() {
    return thread == Thread.currentThread();
  }
}
