package io.tso4j.client.internal;

import java.util.List;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * Deadline sweeping for the stream: a task every {@link #INTERVAL_NANOS} while callers wait, which collects the
 * callers whose deadline passed (in the queue and in requests on the wire) and tells the dispatcher when the oldest
 * request has been unanswered for too long. Arming is idempotent. Not thread-safe: the dispatcher's lock.
 */
final class DeadlineSweeper {
  /** The sweep interval: 5 ms. */
  static final long INTERVAL_NANOS = TimeUnit.MILLISECONDS.toNanos(5);

  private final TaskScheduler scheduler;
  private final Runnable sweep;
  private TaskScheduler.Cancellable pending;

  /** A sweeper that runs {@code sweep} (which must call {@link #fired()} first, under the lock) when armed. */
  DeadlineSweeper(TaskScheduler scheduler, Runnable sweep) {
    this.scheduler = scheduler;
    this.sweep = sweep;
  }

  /** Schedules the next sweep unless one is scheduled. */
  void arm() {
    if (pending != null) {
      return;
    }
    try {
      pending = scheduler.schedule(sweep, INTERVAL_NANOS);
    } catch (RejectedExecutionException closing) {
      // The client is closing; close() fails the waiters.
    }
  }

  /** The scheduled sweep started. */
  void fired() {
    pending = null;
  }

  /** Cancels the scheduled sweep. */
  void cancel() {
    if (pending != null) {
      pending.cancel();
      pending = null;
    }
  }

  /** Moves every waiting caller whose deadline passed into {@code out}: the queue's head and the requests' callers. */
  static void collectExpired(long nowNanos, CallQueue queue, Iterable<Batch> inFlight, List<Waiter> out) {
    for (Batch b : inFlight) {
      if (nowNanos - b.earliestDeadlineNanos >= 0) {
        for (int i = 0; i < b.size; i++) {
          Waiter w = b.waiters[i];
          if (!w.isDone() && nowNanos - w.deadlineNanos >= 0) {
            out.add(w);
          }
        }
      }
    }
    queue.expire(nowNanos, out);
  }
}
