package io.tso4j.testkit.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.tso4j.core.Grant;
import io.tso4j.core.RefusedException;
import io.tso4j.core.TimestampOracle;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A leader cut off from its followers stops serving before the new leader serves: while every node is asked for
 * timestamps continuously, the old leader's last grant ends before the new leader's first grant starts, and grants
 * are increasing in real-time order across all nodes.
 */
@Tag("ratis")
@Timeout(60)
final class RatisIsolationIT {
  @TempDir
  Path dir;

  /** One successful call: its monotonic start and end, the node, and what it got. */
  record Call(long startNanos, long endNanos, int node, Grant grant) {
  }

  @Test
  void isolatedLeaderStopsServingBeforeTheNewLeaderServes() throws Exception {
    try (RatisTestCluster c = RatisTestCluster.start(3, dir)) {
      int old = c.awaitServingLeader();
      ConcurrentLinkedQueue<Call> calls = new ConcurrentLinkedQueue<>();
      AtomicBoolean stop = new AtomicBoolean();
      long hardStop = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      List<Thread> workers = new ArrayList<>();
      for (int i = 0; i < c.size(); i++) {
        TimestampOracle oracle = c.oracle(i);
        int node = i;
        Thread t = new Thread(() -> {
          while (!stop.get() && System.nanoTime() - hardStop < 0) {
            long start = System.nanoTime();
            try {
              Grant g = oracle.allocate(1);
              calls.add(new Call(start, System.nanoTime(), node, g));
              LockSupport.parkNanos(200_000);
            } catch (RefusedException e) {
              LockSupport.parkNanos(1_000_000);
            }
          }
        }, "caller-" + i);
        t.start();
        workers.add(t);
      }
      int next;
      try {
        Thread.sleep(300);
        c.isolate(old);
        long isolatedAt = System.nanoTime();
        next = c.awaitServingLeader(i -> i != old);
        // Let both sides keep trying for a while after the new leader serves.
        Thread.sleep(300);
        assertThat(Duration.ofNanos(System.nanoTime() - isolatedAt)).isLessThan(Duration.ofSeconds(8));
      } finally {
        stop.set(true);
        for (Thread t : workers) {
          t.join(5_000);
        }
        c.deIsolate(old);
      }

      List<Call> all = new ArrayList<>(calls);
      List<Call> byOld = all.stream().filter(x -> x.node() == old).toList();
      List<Call> byNew = all.stream().filter(x -> x.node() == next).toList();
      assertThat(byOld).as("grants by the old leader before isolation").isNotEmpty();
      assertThat(byNew).as("grants by the new leader").isNotEmpty();
      long oldLastEnd = byOld.stream().mapToLong(Call::endNanos).max().orElseThrow();
      long newFirstStart = byNew.stream().mapToLong(Call::startNanos).min().orElseThrow();
      assertThat(oldLastEnd).as("old leader's last grant ends before the new leader's first grant starts")
          .isLessThan(newFirstStart);
      assertThat(byNew.get(0).grant().term()).isGreaterThan(byOld.get(0).grant().term());
      assertRealTimeOrder(all);
      assertThat(c.fatalErrors()).isEmpty();
    }
  }

  /** For every pair where one call ended before the other started, the earlier one got the smaller timestamps. */
  private static void assertRealTimeOrder(List<Call> calls) {
    List<Call> byEnd = new ArrayList<>(calls);
    byEnd.sort(Comparator.comparingLong(Call::endNanos));
    long[] ends = byEnd.stream().mapToLong(Call::endNanos).toArray();
    long[] maxLastUpTo = new long[ends.length];
    int[] argMax = new int[ends.length];
    for (int i = 0; i < ends.length; i++) {
      long last = byEnd.get(i).grant().last();
      if (i == 0 || last > maxLastUpTo[i - 1]) {
        maxLastUpTo[i] = last;
        argMax[i] = i;
      } else {
        maxLastUpTo[i] = maxLastUpTo[i - 1];
        argMax[i] = argMax[i - 1];
      }
    }
    for (Call b : calls) {
      int k = lastEndedBefore(ends, b.startNanos());
      if (k >= 0) {
        Call a = byEnd.get(argMax[k]);
        assertThat(b.grant().first()).as("grant %s (node %d) started after %s (node %d) ended", b.grant(), b.node(),
            a.grant(), a.node()).isGreaterThan(maxLastUpTo[k]);
      }
    }
  }

  /** The index of the last entry of sorted {@code ends} that is < {@code t}, or -1. */
  private static int lastEndedBefore(long[] ends, long t) {
    int lo = 0;
    int hi = ends.length - 1;
    int found = -1;
    while (lo <= hi) {
      int mid = (lo + hi) >>> 1;
      if (ends[mid] < t) {
        found = mid;
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    return found;
  }
}
