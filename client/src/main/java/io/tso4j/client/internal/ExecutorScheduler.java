package io.tso4j.client.internal;

import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * The production {@link TaskScheduler}: one daemon thread named {@code tso4j-client-timer}, cancelled tasks removed at
 * once. Thread-safe.
 */
final class ExecutorScheduler implements TaskScheduler, AutoCloseable {
  private final ScheduledThreadPoolExecutor executor;

  ExecutorScheduler() {
    executor = new ScheduledThreadPoolExecutor(1, r -> {
      Thread t = new Thread(r, "tso4j-client-timer");
      t.setDaemon(true);
      return t;
    });
    executor.setRemoveOnCancelPolicy(true);
  }

  @Override
  public Cancellable schedule(Runnable task, long delayNanos) {
    ScheduledFuture<?> f = executor.schedule(task, Math.max(0, delayNanos), TimeUnit.NANOSECONDS);
    return () -> f.cancel(false);
  }

  @Override
  public void execute(Runnable task) {
    executor.execute(task);
  }

  /** Stops the thread; queued tasks are dropped. Idempotent. */
  @Override
  public void close() {
    executor.shutdownNow();
  }
}
