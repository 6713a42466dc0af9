package io.tso4j.bench;

import java.util.Arrays;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAccumulator;
import java.util.concurrent.atomic.LongAdder;

/**
 * Checks the order of everything a benchmark received, in memory bounded for any duration and rate.
 *
 * <ul>
 *   <li><b>Real-time order, every call</b> (O(1) memory): when a caller invokes a call it notes the largest timestamp
 *       of any call completed so far; the range it gets must start above that. Every call completed before the
 *       invocation has updated the maximum first (happens-before through the accumulator), so this is exactly the
 *       linearizability rule of a TSO: a call that starts after another ended gets larger timestamps.</li>
 *   <li><b>Per caller, every call</b>: each range starts above that caller's previous one.</li>
 *   <li><b>No overlap between concurrent calls, bounded</b>: two calls in flight at the same time are not ordered by
 *       the first rule, so {@link #finish()} also sorts the first values of up to {@code overlapCapacity} calls (the
 *       first {@code overlapCapacity / callers} of each caller, 8 bytes each) and checks that no two ranges overlap.
 *       {@link #overlapChecked()} says how many calls that covered, out of {@link #accepted()}.</li>
 * </ul>
 *
 * <p>Thread-safety: {@link #invoked} and {@link #accept} for one caller are called by one thread at a time (each
 * benchmark caller has one call outstanding); different callers may run concurrently. {@link #finish()} after all
 * callers stopped.
 */
public final class OrderChecker {
  /** How many calls the overlap check keeps by default: 8,388,608 (64 MB of first values). */
  public static final int DEFAULT_OVERLAP_CAPACITY = 1 << 23;

  private final int count;
  private final int perCallerCapacity;
  private final long[] previousLast;
  private final long[] completedBeforeInvoke;
  private final long[][] firsts;
  private final int[] sizes;
  private final LongAccumulator completedMax = new LongAccumulator(Math::max, Long.MIN_VALUE);
  private final LongAdder accepted = new LongAdder();
  private final AtomicLong violations = new AtomicLong();
  private final AtomicReference<String> firstViolation = new AtomicReference<>();
  private long overlapChecked;

  /** A checker for {@code callers} callers that each ask for {@code count} timestamps per call. */
  public OrderChecker(int callers, int count) {
    this(callers, count, DEFAULT_OVERLAP_CAPACITY);
  }

  /** A checker whose overlap check keeps at most {@code overlapCapacity} calls. */
  public OrderChecker(int callers, int count, int overlapCapacity) {
    if (callers < 1 || count < 1 || overlapCapacity < 0) {
      throw new IllegalArgumentException("callers and count must be >= 1, overlapCapacity >= 0: " + callers + ", "
          + count + ", " + overlapCapacity);
    }
    this.count = count;
    this.perCallerCapacity = overlapCapacity / callers;
    this.previousLast = new long[callers];
    this.completedBeforeInvoke = new long[callers];
    this.firsts = new long[callers][];
    this.sizes = new int[callers];
    Arrays.fill(previousLast, Long.MIN_VALUE);
    Arrays.fill(completedBeforeInvoke, Long.MIN_VALUE);
  }

  /** Notes that {@code caller} is about to invoke a call (before the request is sent). */
  public void invoked(int caller) {
    completedBeforeInvoke[caller] = completedMax.get();
  }

  /**
   * Records that {@code caller}'s call, invoked after {@link #invoked}, received the range starting at {@code first};
   * false if it broke real-time or per-caller order.
   */
  public boolean accept(int caller, long first) {
    long last = first + count - 1;
    accepted.increment();
    boolean ok = true;
    if (first <= completedBeforeInvoke[caller]) {
      report("caller " + caller + " got " + first + " although a call that got up to " + completedBeforeInvoke[caller]
          + " had completed before it was invoked");
      ok = false;
    }
    if (first <= previousLast[caller]) {
      report("caller " + caller + " got " + first + " after " + previousLast[caller]);
      ok = false;
    }
    previousLast[caller] = Math.max(previousLast[caller], last);
    completedMax.accumulate(last);
    record(caller, first);
    return ok;
  }

  private void record(int caller, long first) {
    int n = sizes[caller];
    if (n >= perCallerCapacity) {
      return;
    }
    long[] a = firsts[caller];
    if (a == null) {
      a = new long[Math.min(1024, perCallerCapacity)];
      firsts[caller] = a;
    } else if (n == a.length) {
      a = Arrays.copyOf(a, Math.min(perCallerCapacity, a.length * 2));
      firsts[caller] = a;
    }
    a[n] = first;
    sizes[caller] = n + 1;
  }

  /**
   * Checks that no two recorded ranges overlap (each caller's are in order already, so only ranges of different
   * callers can); returns the total number of violations found, of every rule.
   */
  public long finish() {
    int total = 0;
    for (int s : sizes) {
      total += s;
    }
    long[] all = new long[total];
    int at = 0;
    for (int i = 0; i < firsts.length; i++) {
      if (firsts[i] != null) {
        System.arraycopy(firsts[i], 0, all, at, sizes[i]);
        at += sizes[i];
        firsts[i] = null;
      }
    }
    Arrays.parallelSort(all);
    for (int i = 1; i < all.length; i++) {
      if (all[i] <= all[i - 1] + count - 1) {
        report("ranges starting at " + all[i - 1] + " and " + all[i] + " (count " + count + ") overlap");
      }
    }
    overlapChecked = total;
    return violations.get();
  }

  /** How many calls were checked in every way (real-time and per-caller order). */
  public long accepted() {
    return accepted.sum();
  }

  /** How many calls the overlap check of {@link #finish()} covered (0 before it ran). */
  public long overlapChecked() {
    return overlapChecked;
  }

  /** The violations found so far. */
  public long violations() {
    return violations.get();
  }

  /** A description of the first violation, or null. */
  public String firstViolation() {
    return firstViolation.get();
  }

  private void report(String what) {
    violations.incrementAndGet();
    firstViolation.compareAndSet(null, what);
  }
}
