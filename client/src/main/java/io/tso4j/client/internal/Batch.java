package io.tso4j.client.internal;

/**
 * One request on the stream: the callers merged into it, in arrival order, and the sum of their counts. The
 * response's range is split among exactly these callers: the first {@code waiters[0].count} values go to the first,
 * and so on. Confined to the dispatcher's lock (the delivery reads it after it left the in-flight list).
 */
final class Batch {
  final long requestId;
  final Waiter[] waiters;
  final int size;
  final int total;
  final long sentNanos;
  final long earliestDeadlineNanos;

  Batch(long requestId, Waiter[] waiters, int size, int total, long sentNanos, long earliestDeadlineNanos) {
    this.requestId = requestId;
    this.waiters = waiters;
    this.size = size;
    this.total = total;
    this.sentNanos = sentNanos;
    this.earliestDeadlineNanos = earliestDeadlineNanos;
  }
}
