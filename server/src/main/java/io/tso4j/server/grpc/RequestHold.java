package io.tso4j.server.grpc;

import io.tso4j.core.ServingState;
import java.time.Duration;
import java.util.Iterator;
import java.util.Optional;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongSupplier;

/**
 * Holds a timestamp request this node had to refuse for a moment it expects to be past soon, instead of sending the
 * client around the cluster to poll: while it leads and fences its term, while its lease is being renewed or its
 * window extended (FROZEN, or a refusal while SERVING is still published), and while it knows no leader (an election
 * is under way). See {@link #worthHolding}.
 *
 * <p>A held request is tried again on every serving-state change ({@link #stateChanged()}) and every
 * {@value #TICK_MILLIS} ms, until it is served, its refusal is no longer worth holding (another node leads, this one
 * stops or is poisoned: it gets that refusal and hint at once), or its wait ends: then it gets the refusal it would
 * have got on arrival, with the state of that moment. The wait is the smallest of what the client allowed
 * ({@code max_wait_ms}), {@link #MAX_WAIT} and half the call's remaining deadline. At most {@link #MAX_HELD} requests
 * wait at a time; past that a refusal is sent at once, as without holding.
 *
 * <p><b>Order.</b> Holding changes only <em>when</em> an allocation runs — after the request arrived, like any
 * allocation — never what the allocator hands out or when it may; no order invariant depends on it.
 *
 * <p>Thread-safety: requests are registered from the transport threads; every retry runs on the one timer thread
 * (daemon, ended after a second without work), so no two retries of one request ever overlap.
 */
final class RequestHold {
  /** The longest any request is held, whatever the client allows: 1 s. */
  static final Duration MAX_WAIT = Duration.ofSeconds(1);
  /** The most requests held at once: 4096. */
  static final int MAX_HELD = 4096;
  /** How often held requests are tried again besides on each state change: every 5 ms. */
  static final long TICK_MILLIS = 5;

  /** One held request: tries to finish it. */
  interface Attempt {
    /**
     * Tries to serve the request; {@code lastTry} means its wait is over and it must end now (served or refused).
     *
     * @return true if the request ended (served or refused), false if it should keep waiting
     */
    boolean tryFinish(boolean lastTry);
  }

  private final String localId;
  private final LongSupplier nanoClock;
  private final ConcurrentLinkedQueue<Held> held = new ConcurrentLinkedQueue<>();
  private final AtomicInteger size = new AtomicInteger();
  private final AtomicBoolean tickScheduled = new AtomicBoolean();
  private final ScheduledThreadPoolExecutor timer;

  /** A hold for the requests of node {@code localId}, timed by {@code nanoClock} ({@link System#nanoTime}). */
  RequestHold(String localId, LongSupplier nanoClock) {
    this.localId = localId;
    this.nanoClock = nanoClock;
    ThreadFactory threads = r -> {
      Thread t = new Thread(r, "tso4j-held-requests-" + localId);
      t.setDaemon(true);
      return t;
    };
    this.timer = new ScheduledThreadPoolExecutor(1, threads);
    timer.setKeepAliveTime(1, TimeUnit.SECONDS);
    timer.allowCoreThreadTimeOut(true);
    timer.setRemoveOnCancelPolicy(true);
  }

  /**
   * Whether a refusal in {@code state} is worth holding: this node leads and fences; it serves or is frozen (the
   * refusal was a lapsed lease or an exhausted window, which a renewal commit ends); or it is not serving and knows no
   * leader (an election is under way). Not when another node is known to lead (the client should go there), nor
   * when this node is stopping, stopped or poisoned.
   */
  boolean worthHolding(ServingState state) {
    Optional<String> leader = state.leaderId();
    switch (state.status()) {
      case FENCING:
        return leader.filter(localId::equals).isPresent();
      case SERVING:
      case FROZEN:
        return true;
      case NOT_SERVING:
        return leader.isEmpty();
      default:
        return false;
    }
  }

  /**
   * The wait for a request that allows {@code maxWaitMillis} (the request's {@code max_wait_ms}) in a call with
   * {@code deadlineRemainingNanos} left (or {@link Long#MAX_VALUE} for none): the smallest of that, {@link #MAX_WAIT}
   * and half the deadline left; 0 means do not hold.
   */
  static long waitNanos(long maxWaitMillis, long deadlineRemainingNanos) {
    long wait = Math.min(TimeUnit.MILLISECONDS.toNanos(Math.max(0, maxWaitMillis)), MAX_WAIT.toNanos());
    if (deadlineRemainingNanos != Long.MAX_VALUE) {
      wait = Math.min(wait, Math.max(0, deadlineRemainingNanos / 2));
    }
    return wait;
  }

  /**
   * Holds {@code attempt} for up to {@code waitNanos}; false (nothing held) if the hold is full or the wait is 0, and
   * then the caller refuses at once.
   */
  boolean hold(Attempt attempt, long waitNanos) {
    if (waitNanos <= 0 || size.incrementAndGet() > MAX_HELD) {
      if (waitNanos > 0) {
        size.decrementAndGet();
      }
      return false;
    }
    held.add(new Held(attempt, nanoClock.getAsLong() + waitNanos));
    scheduleTick();
    return true;
  }

  /** How many requests are held now. */
  int heldCount() {
    return size.get();
  }

  /** The serving state changed: tries every held request again now. */
  void stateChanged() {
    if (!held.isEmpty()) {
      timer.execute(this::retryAll);
    }
  }

  private void scheduleTick() {
    if (tickScheduled.compareAndSet(false, true)) {
      timer.schedule(() -> {
        tickScheduled.set(false);
        retryAll();
        if (!held.isEmpty()) {
          scheduleTick();
        }
      }, TICK_MILLIS, TimeUnit.MILLISECONDS);
    }
  }

  /** Runs on the timer thread only. */
  private void retryAll() {
    long now = nanoClock.getAsLong();
    for (Iterator<Held> it = held.iterator(); it.hasNext(); ) {
      Held h = it.next();
      boolean lastTry = now - h.untilNanos >= 0;
      boolean finished;
      try {
        finished = h.attempt.tryFinish(lastTry) || lastTry;
      } catch (RuntimeException e) {
        finished = true;
      }
      if (finished) {
        it.remove();
        size.decrementAndGet();
      }
    }
  }

  private record Held(Attempt attempt, long untilNanos) {
  }
}
