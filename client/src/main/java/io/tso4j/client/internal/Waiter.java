package io.tso4j.client.internal;

import io.tso4j.client.TimestampRange;
import io.tso4j.client.TsoException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.CompletableFuture;

/**
 * One caller waiting for timestamps: its count, the order-guard floor taken when it called, when it started and its
 * deadline, and the future it gets its range through (the waiter is that future). Thread-safe: the fields are final,
 * and when metrics are bound the first of the client's completions claims the waiter, reports it and only then
 * completes the future (so a caller that sees its result also sees it counted).
 */
final class Waiter extends CompletableFuture<TimestampRange> {
  private static final VarHandle CLAIMED;

  static {
    try {
      CLAIMED = MethodHandles.lookup().findVarHandle(Waiter.class, "claimed", boolean.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  final int count;
  final long floor;
  final long termFloor;
  final long startNanos;
  final long deadlineNanos;
  @SuppressWarnings("unused") // through CLAIMED
  private volatile boolean claimed;

  Waiter(int count, long floor, long termFloor, long startNanos, long deadlineNanos) {
    this.count = count;
    this.floor = floor;
    this.termFloor = termFloor;
    this.startNanos = startNanos;
    this.deadlineNanos = deadlineNanos;
  }

  /** Completes with {@code range} (reported as OK, {@code nowNanos} being the time of completion). */
  void succeed(TimestampRange range, MetricsHub metrics, long nowNanos) {
    if (!metrics.enabled()) {
      complete(range);
      return;
    }
    if (isDone() || !CLAIMED.compareAndSet(this, false, true)) {
      return;
    }
    metrics.callCompleted(CallOutcome.OK, nowNanos - startNanos);
    complete(range);
  }

  /** Fails with {@code error}, reported by its outcome. */
  void fail(TsoException error, MetricsHub metrics, Ticker ticker) {
    if (isDone() || !CLAIMED.compareAndSet(this, false, true)) {
      return;
    }
    if (metrics.enabled()) {
      metrics.callCompleted(CallOutcome.of(error), ticker.nanoTime() - startNanos);
    }
    completeExceptionally(error);
  }
}
