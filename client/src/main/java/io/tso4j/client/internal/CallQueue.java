package io.tso4j.client.internal;

import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.List;

/**
 * Coalescing: the callers waiting for the next request, in arrival order. {@link #take} turns the head of the queue
 * into one {@link Batch} whose total stays within a limit (262,144 on the wire: callers that do not fit wait for the
 * next request); a failed request's callers go back to the head in their order ({@link #requeueFront}), so no
 * caller is ever overtaken by one that called later. Deadlines grow along the queue (one call timeout, a monotonic
 * ticker, requeued callers are older), so expiry looks at the head only. Not thread-safe: the dispatcher's lock.
 */
final class CallQueue {
  private final ArrayDeque<Waiter> waiting = new ArrayDeque<>();

  void add(Waiter w) {
    waiting.addLast(w);
  }

  boolean isEmpty() {
    return waiting.isEmpty();
  }

  int size() {
    return waiting.size();
  }

  /**
   * Takes callers from the head while their counts fit into {@code limit} (dropping those already done, e.g.
   * cancelled); returns null if none was taken.
   */
  Batch take(long requestId, int limit, long nowNanos, MetricsHub metrics) {
    Waiter[] taken = new Waiter[Math.min(waiting.size(), 1024)];
    int n = 0;
    int total = 0;
    long earliest = 0;
    while (!waiting.isEmpty()) {
      Waiter w = waiting.peekFirst();
      if (w.isDone()) {
        waiting.pollFirst();
        if (w.isCancelled() && metrics.enabled()) {
          metrics.callCompleted(CallOutcome.CANCELLED, nowNanos - w.startNanos);
        }
        continue;
      }
      if (total + w.count > limit) {
        break;
      }
      waiting.pollFirst();
      if (n == taken.length) {
        taken = Arrays.copyOf(taken, Math.max(8, n * 2));
      }
      taken[n++] = w;
      total += w.count;
      if (n == 1 || w.deadlineNanos - earliest < 0) {
        earliest = w.deadlineNanos;
      }
    }
    return n == 0 ? null : new Batch(requestId, taken, n, total, nowNanos, earliest);
  }

  /** Puts the callers of {@code b} that still wait back at the head, in their order. */
  void requeueFront(Batch b) {
    for (int i = b.size - 1; i >= 0; i--) {
      if (!b.waiters[i].isDone()) {
        waiting.addFirst(b.waiters[i]);
      }
    }
  }

  /** Moves every caller whose deadline passed at {@code nowNanos} from the head into {@code out}; drops done ones. */
  void expire(long nowNanos, List<Waiter> out) {
    while (!waiting.isEmpty()) {
      Waiter w = waiting.peekFirst();
      if (w.isDone()) {
        waiting.pollFirst();
      } else if (nowNanos - w.deadlineNanos >= 0) {
        out.add(waiting.pollFirst());
      } else {
        return;
      }
    }
  }

  /** Moves every caller into {@code out}. */
  void drainTo(List<Waiter> out) {
    out.addAll(waiting);
    waiting.clear();
  }
}
