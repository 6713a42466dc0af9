package io.tso4j.client.internal;

import java.util.Arrays;

/**
 * One request on the stream: the callers merged into it, in arrival order, and the sum of their counts. The
 * response's range is split among exactly these callers: the first {@code waiters[0].count} values go to the first,
 * and so on. Confined to the dispatcher's lock.
 */
final class Batch {
  final long requestId;
  final Waiter[] waiters;
  final int size;
  final int total;
  final long sentNanos;
  final long earliestDeadlineNanos;

  private Batch(long requestId, Waiter[] waiters, int size, int total, long sentNanos, long earliestDeadlineNanos) {
    this.requestId = requestId;
    this.waiters = waiters;
    this.size = size;
    this.total = total;
    this.sentNanos = sentNanos;
    this.earliestDeadlineNanos = earliestDeadlineNanos;
  }

  /**
   * Takes waiters from the head of {@code queue} while their counts fit into {@code limit} (skipping those already
   * done, e.g. cancelled); returns null if no waiter was taken.
   */
  static Batch take(java.util.ArrayDeque<Waiter> queue, int limit, long requestId, long nowNanos) {
    Waiter[] taken = new Waiter[Math.min(queue.size(), 64)];
    int n = 0;
    int total = 0;
    long earliest = 0;
    while (!queue.isEmpty()) {
      Waiter w = queue.peekFirst();
      if (w.isDone()) {
        queue.pollFirst();
        continue;
      }
      if (total + w.count > limit) {
        break;
      }
      queue.pollFirst();
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
}
