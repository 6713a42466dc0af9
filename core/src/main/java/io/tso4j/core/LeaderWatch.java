package io.tso4j.core;

import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The leader watch: one thread that runs the {@link FenceProtocol}. Its loop takes the next input (from the mailbox,
 * or a tick when the protocol's wake-up is due), feeds it to the protocol with the time, and runs the returned actions
 * ({@link FenceEffects}); driver calls complete asynchronously and come back through the mailbox. Every decision is
 * in the protocol; this class only moves inputs and actions.
 *
 * <p>One thing happens outside the loop, on the caller's thread: a leadership event that says this node no longer
 * leads the term it serves closes the allocator at once (F9), before it is queued. Closing is always safe: {@link
 * TimestampAllocator#renew} cannot reopen a closed window, and only a completed fence opens one (A6).
 *
 * <p>Thread-safety: {@link #start()}, {@link #close()}, {@link #stopAndRelease}, {@link #onLeadershipEvent}, {@link
 * #requestExtension()} and the statistics may be called from any thread; the protocol runs on the watch thread.
 */
final class LeaderWatch implements AutoCloseable {
  /** A wall clock that moves this much more or less than the monotonic ticker between samples is a jump. */
  static final long CLOCK_JUMP_THRESHOLD_MILLIS = 1_000;

  private static final Logger LOG = LoggerFactory.getLogger(LeaderWatch.class);

  private final TimestampAllocator allocator;
  private final TsoClock clock;
  private final OracleTime time;
  private final FenceProtocol protocol;
  private final FenceEffects effects;
  private final ClockWatch clockWatch;
  private final BlockingQueue<FenceInput> mailbox = new LinkedBlockingQueue<>();
  private final CompletableFuture<Boolean> exited = new CompletableFuture<>();
  private final Thread thread;
  private volatile boolean broken;
  /** H3: this node serves out a renewed lease through its handoff; a step-down event then does not close at once. */
  private volatile boolean servingThroughHandoff;

  LeaderWatch(ConsensusDriver driver, TimestampAllocator allocator, ServingStatePublisher publisher,
      FenceConfig config, TsoClock clock, OracleTime time, OracleCounters counters, Consumer<Throwable> fatalHandler) {
    String id = driver.localId();
    this.allocator = allocator;
    this.clock = clock;
    this.time = time;
    this.protocol = new FenceProtocol(id, config, driver.leaseDuration());
    this.clockWatch = new ClockWatch(id, CLOCK_JUMP_THRESHOLD_MILLIS,
        config.window().toMillis() + CLOCK_JUMP_THRESHOLD_MILLIS);
    this.effects = new FenceEffects(driver, allocator, publisher, time, clock, clockWatch, counters, fatalHandler,
        mailbox::offer);
    this.thread = new Thread(this::run, "tso4j-leader-watch-" + id);
    this.thread.setDaemon(true);
  }

  void start() {
    thread.start();
  }

  /** Queues a leadership event; never blocks. A step-down of the serving term closes the allocator at once (F9). */
  void onLeadershipEvent(LeadershipEvent event) {
    if (!(event instanceof LeadershipEvent.Leader) && !servingThroughHandoff) {
      long serving = allocator.servingTerm();
      if (serving >= 0 && (event.term() == 0 || event.term() >= serving)) {
        allocator.close();
      }
    }
    mailbox.offer(new FenceInput.Leadership(event));
  }

  /**
   * Queues the peers' verdict on this node's clock (C6); never blocks. A suspect clock closes the allocator at once,
   * before the protocol steps down (closing is always safe, A6).
   */
  void onClockVerdict(boolean suspect, String reason) {
    if (suspect) {
      allocator.close();
    }
    mailbox.offer(new FenceInput.ClockVerdict(suspect, reason));
  }

  /** Asks for an immediate keep-alive write that extends the window; never blocks. */
  void requestExtension() {
    mailbox.offer(FenceInput.EXTENSION);
  }

  /** The protocol (tests and the unsafe test switch). */
  FenceProtocol protocol() {
    return protocol;
  }

  /** The clock watch (its counters may be read from any thread). */
  ClockWatch clockWatch() {
    return clockWatch;
  }

  /** Adds a listener of completed fences. */
  void addFenceListener(Consumer<FenceTimings> listener) {
    effects.addFenceListener(listener);
  }

  /** Removes a fence listener. */
  void removeFenceListener(Consumer<FenceTimings> listener) {
    effects.removeFenceListener(listener);
  }

  /**
   * Graceful handoff, before the leadership transfer (H3): a serving leader renews its lease at once and then holds
   * its keep-alives back for up to {@code hold}, serving on that lease, also after the transfer deposed it, until the
   * lease ends. Waits up to {@code hold} for the renewal; returns how long the renewed lease still runs, or {@link
   * Duration#ZERO} if this node does not serve or the renewal failed.
   */
  Duration prepareHandoff(Duration hold) {
    if (!thread.isAlive()) {
      return Duration.ZERO;
    }
    CompletableFuture<Long> answer = new CompletableFuture<>();
    effects.expectHandoff(answer);
    mailbox.offer(new FenceInput.Handoff(hold.toNanos()));
    long deadline;
    try {
      deadline = answer.get(hold.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException | ExecutionException e) {
      return Duration.ZERO;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Duration.ZERO;
    }
    long left = deadline == Long.MIN_VALUE ? 0 : deadline - clock.monoNanos();
    // F9's immediate close on a step-down would cut the lease short: the protocol steps down when the lease ends.
    servingThroughHandoff = left > 0;
    return Duration.ofNanos(Math.max(0, left));
  }

  /**
   * Stops for good; a serving leader first commits a lease release (H2). Waits up to {@code timeout} for the release
   * and returns whether it committed.
   */
  boolean stopAndRelease(Duration timeout) {
    mailbox.offer(new FenceInput.Stop(true, timeout.toNanos()));
    if (!thread.isAlive() && !exited.isDone()) {
      return false;
    }
    try {
      // The protocol ends the release itself at the timeout; the extra second only covers a slow loop.
      return exited.get(timeout.toMillis() + 1_000, TimeUnit.MILLISECONDS);
    } catch (TimeoutException | ExecutionException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  @Override
  public void close() {
    mailbox.offer(new FenceInput.Stop(false, 0));
    if (Thread.currentThread() != thread && thread.isAlive()) {
      try {
        thread.join(10_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  private void run() {
    try {
      step(FenceInput.TICK);
      while (!effects.exited() && !broken) {
        long wait = effects.wakeAtNanos() - clock.monoNanos();
        FenceInput input = wait <= 0 ? mailbox.poll() : mailbox.poll(wait, TimeUnit.NANOSECONDS);
        step(input == null ? FenceInput.TICK : input);
      }
    } catch (InterruptedException e) {
      step(new FenceInput.Stop(false, 0));
    } finally {
      exited.complete(effects.released());
    }
  }

  /** One turn: the protocol decides, the effects run; anything thrown poisons (F5). */
  private void step(FenceInput input) {
    try {
      effects.execute(protocol.on(input, now()));
    } catch (RuntimeException | Error e) {
      try {
        effects.execute(protocol.on(new FenceInput.Fatal(e), now()));
      } catch (RuntimeException | Error again) {
        LOG.error("[{}] FATAL: poisoning failed", thread.getName(), again);
        allocator.poison();
        broken = true;
      }
    }
  }

  private FenceProtocol.Now now() {
    return new FenceProtocol.Now(clock.monoNanos(), time.nowMillis(), allocator.leaseRefusals());
  }
}
