package io.tso4j.client.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.PriorityQueue;

/**
 * A ticker and scheduler that only move when a test says so: {@link #advance(long)} moves the clock and runs, in
 * time order on the calling thread, every task that falls due (tasks that schedule tasks included);
 * {@link #execute} queues a task for the next {@link #runDue()}. Thread-safe (tasks run outside the lock).
 */
public final class ManualTime implements Ticker, TaskScheduler {
  private record Task(long due, long seq, Runnable run, boolean[] cancelled) {
  }

  private final PriorityQueue<Task> tasks = new PriorityQueue<>((a, b) -> a.due != b.due
      ? Long.compare(a.due, b.due) : Long.compare(a.seq, b.seq));
  private long now = 1_000_000_000L;
  private long seq;

  @Override
  public synchronized long nanoTime() {
    return now;
  }

  @Override
  public synchronized Cancellable schedule(Runnable task, long delayNanos) {
    boolean[] cancelled = {false};
    tasks.add(new Task(now + Math.max(0, delayNanos), seq++, task, cancelled));
    return () -> {
      synchronized (ManualTime.this) {
        cancelled[0] = true;
      }
    };
  }

  @Override
  public void execute(Runnable task) {
    schedule(task, 0);
  }

  /** Moves the clock by {@code nanos}, running every task due on the way. */
  public void advance(long nanos) {
    long target;
    synchronized (this) {
      target = now + nanos;
    }
    while (true) {
      Task t;
      synchronized (this) {
        t = tasks.peek();
        if (t == null || t.due > target) {
          now = target;
          return;
        }
        tasks.poll();
        now = Math.max(now, t.due);
        if (t.cancelled[0]) {
          continue;
        }
      }
      t.run.run();
    }
  }

  /** Runs every task due now. */
  public void runDue() {
    advance(0);
  }

  /** Moves the clock by {@code nanos} without running anything (time spent by a caller's own work). */
  synchronized void spend(long nanos) {
    now += nanos;
  }

  /** How many tasks wait (cancelled ones excluded). */
  synchronized int pending() {
    List<Task> live = new ArrayList<>();
    for (Task t : tasks) {
      if (!t.cancelled[0]) {
        live.add(t);
      }
    }
    return live.size();
  }
}
