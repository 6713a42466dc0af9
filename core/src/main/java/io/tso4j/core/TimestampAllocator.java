package io.tso4j.core;

import io.tso4j.timestamp.Timestamp;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongSupplier;

/**
 * Hands out timestamps from memory inside the committed window of one leader term.
 *
 * <p>Pure and synchronous: no I/O and no threads; the physical part comes from an injected physical time (the oracle's
 * {@link OracleTime}, which follows the wall clock at a bounded slew rate), leases are checked on the injected {@link
 * TsoClock}'s monotonic ticker. Every value it hands out is a non-negative {@code long} (the limit never exceeds {@link
 * Timestamp#MAX_PHYSICAL}, so -1 is free to mean "nothing issued yet", docs/correctness.md T1). Thread-safe and
 * lock-free: any number of request threads may call {@link #allocate(int)} while one control thread (the leader
 * watch) calls {@link #open}, {@link #renew}, {@link #close()} and {@link #poison()}.
 *
 * <p>Invariants (docs/correctness.md, A1–A5):
 * <ul>
 *   <li>A1: every value handed out is greater than every value handed out before by this instance (one CAS on
 *       {@code lastIssued}, which never decreases — not on a clock going back, not on a new term).</li>
 *   <li>A2: a grant's physical part never exceeds the window limit H of the term that served it.</li>
 *   <li>A3: nothing is served without an open window whose lease is valid at the moment of the request.</li>
 *   <li>A4: a grant is one contiguous range inside one physical millisecond; never partial.</li>
 *   <li>A5: a new window starts strictly above the previous term's limit (the fence gives floor = max(H + 1, now)).
 *       </li>
 * </ul>
 */
public final class TimestampAllocator {
  /*
   * State: lastIssued holds the last timestamp handed out (packed). window is an immutable snapshot of the serving
   * term, its limit and its lease deadline; null means closed. A request reads the window, checks the lease, computes
   * the next range from lastIssued and the clock, and publishes it with a CAS on lastIssued. A concurrent open() also
   * moves lastIssued forward by CAS, so a request computed against an older state fails its CAS and retries against
   * the new window. renew() replaces the window by CAS too, so it can never bring back a window that close() or
   * poison() cleared meanwhile.
   */

  /** The most timestamps one call may ask for. */
  public static final int MAX_COUNT = Timestamp.PER_MILLISECOND;

  private final TsoClock clock;
  private final LongSupplier physicalTime;
  private final long extendThresholdMillis;
  private final Runnable extensionRequest;
  private final AtomicLong lastIssued = new AtomicLong(-1L);
  private final AtomicBoolean extensionRequested = new AtomicBoolean();
  private final AtomicReference<Window> window = new AtomicReference<>();
  /** Refusals by {@link RefusedException.Reason#ordinal()}: one increment on a refusal, nothing on a grant. */
  private final LongAdder[] refusals = new LongAdder[RefusedException.Reason.values().length];
  private volatile String notServingNote;
  private volatile boolean poisoned;

  /** The serving term's window: timestamps may be served with physical part up to {@code limit}. */
  record Window(long term, long limit, long leaseDeadlineNanos) {
  }

  /**
   * An allocator whose physical part is the wall clock of {@code clock} (no slew bound; tests of the allocator's own
   * contract). See {@link #TimestampAllocator(TsoClock, LongSupplier, long, Runnable)}.
   */
  public TimestampAllocator(TsoClock clock, long extendThresholdMillis, Runnable extensionRequest) {
    this(clock, clock::wallMillis, extendThresholdMillis, extensionRequest);
  }

  /**
   * An allocator that serves physical times from {@code physicalTime} (milliseconds; the oracle passes its {@link
   * OracleTime#nowMillis()}), checks leases on {@code clock}'s monotonic ticker, and asks for a window extension
   * through {@code extensionRequest} (at most once until the window grows) when fewer than {@code
   * extendThresholdMillis} remain. The callback must not block.
   */
  public TimestampAllocator(TsoClock clock, LongSupplier physicalTime, long extendThresholdMillis,
      Runnable extensionRequest) {
    if (extendThresholdMillis < 0) {
      throw new IllegalArgumentException("extendThresholdMillis must be >= 0: " + extendThresholdMillis);
    }
    this.clock = clock;
    this.physicalTime = physicalTime;
    this.extendThresholdMillis = extendThresholdMillis;
    this.extensionRequest = extensionRequest;
    for (int i = 0; i < refusals.length; i++) {
      refusals[i] = new LongAdder();
    }
  }

  /**
   * Hands out {@code count} consecutive timestamps in one physical millisecond.
   *
   * @throws RefusedException INVALID_COUNT, NOT_SERVING, LEASE_EXPIRED, WINDOW_EXHAUSTED or POISONED
   */
  public Grant allocate(int count) throws RefusedException {
    if (count < 1 || count > MAX_COUNT) {
      throw refused(RefusedException.Reason.INVALID_COUNT, "count must be in 1.." + MAX_COUNT + ", was " + count);
    }
    while (true) {
      Window w = window.get();
      if (w == null) {
        throw poisoned ? refused(RefusedException.Reason.POISONED, "the oracle is poisoned after a fatal error")
            : refused(RefusedException.Reason.NOT_SERVING, notServingNote == null ? "not serving" : notServingNote);
      }
      if (clock.monoNanos() - w.leaseDeadlineNanos >= 0) {
        throw refused(RefusedException.Reason.LEASE_EXPIRED,
            "leadership lease lapsed in term " + w.term + "; frozen until renewed");
      }
      long last = lastIssued.get();
      // -1 means nothing issued yet (no timestamp is negative, T1); it must not be read as a packed value.
      long lastPhysical = last < 0 ? -1 : Timestamp.physicalOf(last);
      long physical = Math.max(lastPhysical, Math.max(0, physicalTime.getAsLong()));
      long logical;
      if (physical == lastPhysical) {
        logical = Timestamp.logicalOf(last) + 1L;
        if (logical + count > MAX_COUNT) {
          physical++;
          logical = 0;
        }
      } else {
        logical = 0;
      }
      // The limit is at most MAX_PHYSICAL, so a grant that passes this check packs into a non-negative long.
      if (physical > w.limit) {
        requestExtension();
        throw refused(RefusedException.Reason.WINDOW_EXHAUSTED,
            "window exhausted at physical " + w.limit + " in term " + w.term + "; extending");
      }
      long first = physical << Timestamp.LOGICAL_BITS | logical;
      if (lastIssued.compareAndSet(last, first + count - 1)) {
        if (w.limit - physical < extendThresholdMillis) {
          requestExtension();
        }
        return new Grant(first, count, w.term);
      }
    }
  }

  /**
   * Opens a window for {@code term}: serves physical values from {@code floor} up to {@code limit}, under a lease
   * that ends at {@code leaseDeadlineNanos} (on the monotonic ticker).
   *
   * @throws IllegalStateException if poisoned, or if floor > limit or limit > {@link Timestamp#MAX_PHYSICAL} (a
   *     broken fence invariant)
   */
  public void open(long term, long floor, long limit, long leaseDeadlineNanos) {
    if (poisoned) {
      throw new IllegalStateException("allocator is poisoned");
    }
    if (floor > limit || floor < 0 || limit > Timestamp.MAX_PHYSICAL) {
      throw new IllegalStateException("invalid window: floor " + floor + ", limit " + limit);
    }
    long floorMinusOne = (floor << Timestamp.LOGICAL_BITS) - 1;
    lastIssued.accumulateAndGet(floorMinusOne, Math::max);
    window.set(new Window(term, limit, leaseDeadlineNanos));
    extensionRequested.set(false);
    if (poisoned) {
      window.set(null);
      throw new IllegalStateException("allocator is poisoned");
    }
  }

  /**
   * Renews the lease and raises the limit of the open window, if it is still the window of {@code term}. Returns
   * false (and changes nothing) if the window is closed or belongs to another term. The limit never shrinks.
   */
  public boolean renew(long term, long limit, long leaseDeadlineNanos) {
    while (true) {
      Window w = window.get();
      if (w == null || w.term != term || poisoned) {
        return false;
      }
      long newLimit = Math.max(w.limit, Math.min(limit, Timestamp.MAX_PHYSICAL));
      long newLease = Math.max(w.leaseDeadlineNanos, leaseDeadlineNanos);
      if (window.compareAndSet(w, new Window(term, newLimit, newLease))) {
        if (newLimit > w.limit) {
          extensionRequested.set(false);
        }
        return true;
      }
    }
  }

  /**
   * Sets the message a NOT_SERVING refusal carries ({@code null}: "not serving"), so that a caller learns why this
   * node does not serve ("clock suspect: ...", C6).
   */
  public void notServingBecause(String note) {
    this.notServingNote = note;
  }

  /** Stops serving (step-down); a later {@link #open} may serve again. */
  public void close() {
    window.set(null);
  }

  /** Stops serving for good: every later call is refused with POISONED and open() throws. */
  public void poison() {
    poisoned = true;
    window.set(null);
  }

  /** Whether {@link #poison()} was called. */
  public boolean isPoisoned() {
    return poisoned;
  }

  /** The term of the open window, or -1 if closed. */
  public long servingTerm() {
    Window w = window.get();
    return w == null ? -1 : w.term;
  }

  /** The limit H of the open window, or -1 if closed. */
  public long limit() {
    Window w = window.get();
    return w == null ? -1 : w.limit;
  }

  /** The last timestamp handed out (packed), or -1 if none yet. */
  public long lastIssued() {
    return lastIssued.get();
  }

  /** The physical part of the last timestamp handed out, or -1 if none yet. */
  public long lastPhysical() {
    long last = lastIssued.get();
    return last < 0 ? -1 : Timestamp.physicalOf(last);
  }

  /**
   * How many calls were refused with LEASE_EXPIRED (frozen) since this allocator was made; a cheap counter (one
   * {@link LongAdder} increment on the refusal path, nothing logged per request).
   */
  public long leaseRefusals() {
    return refusals(RefusedException.Reason.LEASE_EXPIRED);
  }

  /**
   * How many calls were refused with {@code reason} since this allocator was made (one {@link LongAdder} per reason,
   * incremented on the refusal path only).
   */
  public long refusals(RefusedException.Reason reason) {
    return refusals[reason.ordinal()].sum();
  }

  /** The lease deadline of the open window on the monotonic ticker; {@code Long.MIN_VALUE} if closed. */
  public long leaseDeadlineNanos() {
    Window w = window.get();
    return w == null ? Long.MIN_VALUE : w.leaseDeadlineNanos;
  }

  /** Whether the window is open and its lease valid now. */
  public boolean canServe() {
    Window w = window.get();
    return w != null && clock.monoNanos() - w.leaseDeadlineNanos < 0;
  }

  /** Counts a refusal with {@code reason} and makes its exception. */
  private RefusedException refused(RefusedException.Reason reason, String message) {
    refusals[reason.ordinal()].increment();
    return new RefusedException(reason, message);
  }

  private void requestExtension() {
    if (extensionRequested.compareAndSet(false, true)) {
      extensionRequest.run();
    }
  }
}
