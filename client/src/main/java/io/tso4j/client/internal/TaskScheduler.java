package io.tso4j.client.internal;

import java.util.concurrent.RejectedExecutionException;

/**
 * Runs the client's timed work (backoffs, deadline sweeps, probes) and its hand-offs to another thread. The default
 * is one daemon thread ({@link ExecutorScheduler}); tests use a scheduler driven by their own ticker.
 *
 * <p>Internal API: public only so that {@code io.tso4j.client} can pass one in. Implementations are thread-safe.
 */
public interface TaskScheduler {
  /** A scheduled task that may still be cancelled. */
  @FunctionalInterface
  interface Cancellable {
    /** Cancels the task if it has not started; no-op otherwise. */
    void cancel();
  }

  /**
   * Runs {@code task} once, {@code delayNanos} from now (at once if not positive).
   *
   * @throws RejectedExecutionException if the scheduler is shut down
   */
  Cancellable schedule(Runnable task, long delayNanos);

  /**
   * Runs {@code task} soon on the scheduler's thread.
   *
   * @throws RejectedExecutionException if the scheduler is shut down
   */
  void execute(Runnable task);
}
