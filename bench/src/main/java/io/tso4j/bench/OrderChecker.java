package io.tso4j.bench;

import java.util.Arrays;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Checks the order of everything a benchmark received: per caller, every range starts above that caller's previous
 * one (checked as results arrive); globally, all ranges are disjoint (checked by {@link #finish()}, which sorts every
 * range's first value). Keeps 8 bytes per successful call.
 *
 * <p>Thread-safety: {@link #accept} for one caller must be called by one thread at a time (each benchmark caller has
 * one call outstanding); different callers may run concurrently. {@link #finish()} after all callers stopped.
 */
public final class OrderChecker {
  private final int count;
  private final long[][] firsts;
  private final int[] sizes;
  private final long[] previousLast;
  private final AtomicLong violations = new AtomicLong();
  private final AtomicReference<String> firstViolation = new AtomicReference<>();

  /** A checker for {@code callers} callers that each ask for {@code count} timestamps per call. */
  public OrderChecker(int callers, int count) {
    this.count = count;
    this.firsts = new long[callers][];
    this.sizes = new int[callers];
    this.previousLast = new long[callers];
    for (int i = 0; i < callers; i++) {
      firsts[i] = new long[1024];
      previousLast[i] = Long.MIN_VALUE;
    }
  }

  /** Records that {@code caller} received the range starting at {@code first}; false if it broke per-caller order. */
  public boolean accept(int caller, long first) {
    long last = first + count - 1;
    boolean ok = first > previousLast[caller];
    if (!ok) {
      report("caller " + caller + " got " + first + " after " + previousLast[caller]);
    } else {
      previousLast[caller] = last;
    }
    long[] a = firsts[caller];
    if (sizes[caller] == a.length) {
      a = Arrays.copyOf(a, a.length * 2);
      firsts[caller] = a;
    }
    a[sizes[caller]++] = first;
    return ok;
  }

  /** Checks that no two ranges received by any callers overlap; returns the total number of violations found. */
  public long finish() {
    int total = 0;
    for (int s : sizes) {
      total += s;
    }
    long[] all = new long[total];
    int at = 0;
    for (int i = 0; i < firsts.length; i++) {
      System.arraycopy(firsts[i], 0, all, at, sizes[i]);
      at += sizes[i];
      firsts[i] = null;
    }
    Arrays.parallelSort(all);
    for (int i = 1; i < all.length; i++) {
      if (all[i] <= all[i - 1] + count - 1) {
        report("ranges starting at " + all[i - 1] + " and " + all[i] + " (count " + count + ") overlap");
      }
    }
    return violations.get();
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
