package io.tso4j.testkit.stress;

import io.tso4j.timestamp.Timestamp;
import java.util.ArrayList;
import java.util.List;

/**
 * Checks a recorded history of timestamp calls. Three properties, over the successful calls of all clients:
 *
 * <ol>
 *   <li><b>Real-time order</b>: if call B was invoked after call A completed, every timestamp of B is greater than
 *       every timestamp of A (first(B) &gt; last(A)).</li>
 *   <li><b>Uniqueness</b>: no timestamp was handed out twice (no two ranges overlap).</li>
 *   <li><b>Well-formed ranges</b>: count ≥ 1, first ≥ 0, and the whole range inside one physical millisecond.</li>
 * </ol>
 *
 * <p>Plus every call the client's order guard rejected counts as a violation. Cost O(n log n): real-time order sorts
 * the calls by completion time and by invoke time and sweeps once with a running maximum of the last timestamps of the
 * calls completed so far; uniqueness sorts by first timestamp and compares neighbours. Stateless.
 */
public final class HistoryChecker {
  /** At most this many violations are described in a result. */
  public static final int MAX_SAMPLES = 10;
  /** At most this many violation times are kept in a result. */
  public static final int MAX_TIMES = 100_000;

  /**
   * The outcome of a check.
   *
   * @param checkedCalls successful calls checked
   * @param realTimeViolations calls whose first timestamp is not above every timestamp completed before they began
   * @param duplicates ranges that overlap the previous range in timestamp order
   * @param malformed ranges that are not well formed
   * @param orderGuardRejections calls the client's order guard rejected
   * @param samples up to {@link #MAX_SAMPLES} descriptions of violations
   * @param violationNanos when each violation happened (the invoke time of the offending call; up to
   *     {@link #MAX_TIMES}), to attribute violations to the faults around them
   */
  public record Result(long checkedCalls, long realTimeViolations, long duplicates, long malformed,
      long orderGuardRejections, List<String> samples, List<Long> violationNanos) {
    /** All violations together. */
    public long violations() {
      return realTimeViolations + duplicates + malformed + orderGuardRejections;
    }

    /** Whether the history has no violation. */
    public boolean ok() {
      return violations() == 0;
    }
  }

  private HistoryChecker() {
  }

  /** Checks {@code calls}. */
  public static Result check(History.Calls calls) {
    List<String> samples = new ArrayList<>();
    List<Long> times = new ArrayList<>();
    int n = calls.size();
    int ok = 0;
    long guard = 0;
    for (int i = 0; i < n; i++) {
      if (calls.outcome(i) == History.Outcome.OK) {
        ok++;
      } else if (calls.outcome(i) == History.Outcome.ORDER_GUARD) {
        guard++;
        time(times, calls.invoke(i));
        sample(samples, "client " + calls.client(i) + ": the order guard rejected a response");
      }
    }
    int[] idx = new int[ok];
    int k = 0;
    for (int i = 0; i < n; i++) {
      if (calls.outcome(i) == History.Outcome.OK) {
        idx[k++] = i;
      }
    }
    long malformed = 0;
    for (int i : idx) {
      long f = calls.first(i);
      long l = calls.last(i);
      if (calls.count(i) < 1 || f < 0 || Timestamp.physicalOf(f) != Timestamp.physicalOf(l)) {
        malformed++;
        time(times, calls.invoke(i));
        sample(samples, "malformed range first=" + f + " count=" + calls.count(i));
      }
    }
    long realTime = realTimeViolations(calls, idx, samples, times);
    long duplicates = duplicates(calls, idx, samples, times);
    java.util.Collections.sort(times);
    return new Result(ok, realTime, duplicates, malformed, guard, List.copyOf(samples), List.copyOf(times));
  }

  private static long realTimeViolations(History.Calls calls, int[] idx, List<String> samples, List<Long> times) {
    int[] byComplete = sortedBy(idx, calls.complete);
    int[] byInvoke = sortedBy(idx, calls.invoke);
    long runningMax = Long.MIN_VALUE;
    int holder = -1;
    int p = 0;
    long violations = 0;
    for (int b : byInvoke) {
      long invoked = calls.invoke(b);
      while (p < byComplete.length && calls.complete(byComplete[p]) < invoked) {
        int a = byComplete[p++];
        if (calls.last(a) > runningMax) {
          runningMax = calls.last(a);
          holder = a;
        }
      }
      if (holder >= 0 && calls.first(b) <= runningMax) {
        violations++;
        time(times, invoked);
        sample(samples, "real-time order: client " + calls.client(b) + " got first=" + calls.first(b)
            + " (term " + calls.term(b) + "), invoked " + (invoked - calls.complete(holder)) / 1_000
            + " us after client " + calls.client(holder) + " had completed with last=" + runningMax + " (term "
            + calls.term(holder) + ")");
      }
    }
    return violations;
  }

  private static long duplicates(History.Calls calls, int[] idx, List<String> samples, List<Long> times) {
    int[] byFirst = sortedBy(idx, calls.first);
    long dup = 0;
    for (int i = 1; i < byFirst.length; i++) {
      int prev = byFirst[i - 1];
      int cur = byFirst[i];
      if (calls.first(cur) <= calls.last(prev)) {
        dup++;
        time(times, Math.max(calls.invoke(cur), calls.invoke(prev)));
        sample(samples, "uniqueness: range first=" + calls.first(cur) + " (client " + calls.client(cur) + ", term "
            + calls.term(cur) + ") overlaps first=" + calls.first(prev) + " count=" + calls.count(prev)
            + " (client " + calls.client(prev) + ", term " + calls.term(prev) + ")");
      }
    }
    return dup;
  }

  /**
   * The indices {@code idx} ordered by {@code key[index]} (stable), in primitive arrays: a merge sort over int[] with
   * one scratch array, so a long run's check needs 8 bytes per call instead of boxed indices and a comparator.
   */
  static int[] sortedBy(int[] idx, long[] key) {
    int[] a = idx.clone();
    int[] tmp = new int[a.length];
    for (int width = 1; width < a.length; width *= 2) {
      for (int lo = 0; lo < a.length - width; lo += 2 * width) {
        int mid = lo + width;
        int hi = Math.min(lo + 2 * width, a.length);
        if (key[a[mid - 1]] <= key[a[mid]]) {
          continue;
        }
        int i = lo;
        int j = mid;
        int k = lo;
        while (i < mid && j < hi) {
          tmp[k++] = key[a[j]] < key[a[i]] ? a[j++] : a[i++];
        }
        while (i < mid) {
          tmp[k++] = a[i++];
        }
        while (j < hi) {
          tmp[k++] = a[j++];
        }
        System.arraycopy(tmp, lo, a, lo, hi - lo);
      }
    }
    return a;
  }


  private static void time(List<Long> times, long nanos) {
    if (times.size() < MAX_TIMES) {
      times.add(nanos);
    }
  }

  private static void sample(List<String> samples, String s) {
    if (samples.size() < MAX_SAMPLES) {
      samples.add(s);
    }
  }
}
