package io.tso4j.client.internal;

import io.tso4j.client.TimestampRange;
import java.util.concurrent.CompletableFuture;

/**
 * One caller waiting for timestamps: its count, the order-guard floor taken when it called, its deadline, and the
 * future it gets its range through (the waiter is that future). Thread-safe (the fields are final; completion is
 * the future's own).
 */
final class Waiter extends CompletableFuture<TimestampRange> {
  final int count;
  final long floor;
  final long termFloor;
  final long deadlineNanos;

  Waiter(int count, long floor, long termFloor, long deadlineNanos) {
    this.count = count;
    this.floor = floor;
    this.termFloor = termFloor;
    this.deadlineNanos = deadlineNanos;
  }
}
