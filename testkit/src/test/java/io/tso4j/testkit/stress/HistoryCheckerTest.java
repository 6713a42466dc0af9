package io.tso4j.testkit.stress;

import static org.assertj.core.api.Assertions.assertThat;

import io.tso4j.timestamp.Timestamp;
import io.tso4j.testkit.stress.History.Outcome;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The history checker on hand-made histories: correct ones pass, each kind of violation is found. */
final class HistoryCheckerTest {
  private static long ts(long physical, long logical) {
    return physical << Timestamp.LOGICAL_BITS | logical;
  }

  @Test
  void sequentialIncreasingHistoryPasses() {
    History.Calls c = new History.Calls(3);
    c.add(0, 0, 10, ts(100, 0), 2, 1, Outcome.OK);
    c.add(1, 20, 30, ts(100, 2), 1, 1, Outcome.OK);
    c.add(0, 40, 50, ts(101, 0), 4, 2, Outcome.OK);
    HistoryChecker.Result r = HistoryChecker.check(c);
    assertThat(r.ok()).as(r.samples().toString()).isTrue();
    assertThat(r.checkedCalls()).isEqualTo(3);
  }

  @Test
  void overlappingCallsMayReturnInAnyOrder() {
    History.Calls c = new History.Calls(2);
    // B is invoked before A completes: no real-time constraint between them.
    c.add(0, 0, 100, ts(100, 5), 1, 1, Outcome.OK);
    c.add(1, 50, 60, ts(100, 1), 1, 1, Outcome.OK);
    assertThat(HistoryChecker.check(c).ok()).isTrue();
  }

  @Test
  void staleValueAfterACompletedCallIsARealTimeViolation() {
    History.Calls c = new History.Calls(3);
    c.add(0, 0, 10, ts(100, 0), 1, 1, Outcome.OK);
    c.add(1, 20, 30, ts(100, 5), 1, 2, Outcome.OK);
    // Invoked after both completed, but below the second: an old leader still serving.
    c.add(2, 40, 50, ts(100, 3), 1, 1, Outcome.OK);
    HistoryChecker.Result r = HistoryChecker.check(c);
    assertThat(r.realTimeViolations()).isEqualTo(1);
    assertThat(r.duplicates()).isZero();
    assertThat(r.ok()).isFalse();
    assertThat(r.samples()).anyMatch(s -> s.contains("real-time order"));
  }

  @Test
  void equalToTheLastOfACompletedRangeIsAViolation() {
    History.Calls c = new History.Calls(2);
    c.add(0, 0, 10, ts(100, 0), 4, 1, Outcome.OK);
    c.add(1, 20, 30, ts(100, 3), 1, 1, Outcome.OK);
    HistoryChecker.Result r = HistoryChecker.check(c);
    assertThat(r.realTimeViolations()).isEqualTo(1);
    assertThat(r.duplicates()).isEqualTo(1);
  }

  @Test
  void overlappingRangesOfConcurrentCallsAreDuplicates() {
    History.Calls c = new History.Calls(2);
    c.add(0, 0, 100, ts(100, 0), 3, 1, Outcome.OK);
    c.add(1, 10, 90, ts(100, 2), 3, 1, Outcome.OK);
    HistoryChecker.Result r = HistoryChecker.check(c);
    assertThat(r.duplicates()).isEqualTo(1);
    assertThat(r.realTimeViolations()).isZero();
  }

  @Test
  void rangeAcrossAMillisecondIsMalformed() {
    History.Calls c = new History.Calls(1);
    c.add(0, 0, 10, ts(100, Timestamp.PER_MILLISECOND - 1), 2, 1, Outcome.OK);
    assertThat(HistoryChecker.check(c).malformed()).isEqualTo(1);
  }

  @Test
  void failedCallsAreNotCheckedButOrderGuardRejectionsAreViolations() {
    History.Calls c = new History.Calls(3);
    c.add(0, 0, 10, ts(100, 0), 1, 1, Outcome.OK);
    c.add(1, 20, 30, -1, 0, 0, Outcome.FAILED);
    c.add(2, 40, 50, -1, 0, 0, Outcome.ORDER_GUARD);
    HistoryChecker.Result r = HistoryChecker.check(c);
    assertThat(r.checkedCalls()).isEqualTo(1);
    assertThat(r.orderGuardRejections()).isEqualTo(1);
    assertThat(r.violations()).isEqualTo(1);
  }

  @Test
  void largeRandomCorrectHistoryPassesQuicklyAndOnePlantedViolationIsFound() {
    int n = 500_000;
    Random rnd = new Random(3);
    History.Calls c = new History.Calls(n);
    long next = ts(1_000, 0);
    long clock = 0;
    for (int i = 0; i < n; i++) {
      // Calls of 8 clients overlap; values are handed out in invoke order, so every history is correct.
      long invoke = clock;
      long complete = invoke + 1 + rnd.nextInt(50);
      clock += 1 + rnd.nextInt(5);
      int count = 1 + rnd.nextInt(3);
      if (Timestamp.logicalOf(next) + count > Timestamp.PER_MILLISECOND) {
        next = ts(Timestamp.physicalOf(next) + 1, 0);
      }
      c.add(i % 8, invoke, complete, next, count, 1, Outcome.OK);
      next += count;
    }
    long start = System.nanoTime();
    HistoryChecker.Result r = HistoryChecker.check(c);
    long tookMs = (System.nanoTime() - start) / 1_000_000;
    assertThat(r.ok()).as(r.samples().toString()).isTrue();
    assertThat(tookMs).as("O(n log n)").isLessThan(10_000);

    History.Calls bad = new History.Calls(n + 1);
    for (int i = 0; i < n; i++) {
      bad.add(c.client(i), c.invoke(i), c.complete(i), c.first(i), c.count(i), c.term(i), c.outcome(i));
    }
    bad.add(9, clock + 1_000, clock + 1_001, c.first(n / 2), 1, 1, Outcome.OK);
    HistoryChecker.Result r2 = HistoryChecker.check(bad);
    assertThat(r2.realTimeViolations()).isEqualTo(1);
    assertThat(r2.duplicates()).isEqualTo(1);
  }

  @Test
  void sortedByOrdersIndicesByTheirKeysStablyLikeABoxedSort() {
    java.util.Random rnd = new java.util.Random(42);
    for (int round = 0; round < 50; round++) {
      int n = rnd.nextInt(300);
      long[] key = new long[n];
      for (int i = 0; i < n; i++) {
        key[i] = rnd.nextInt(20) - 10;
      }
      int[] idx = java.util.stream.IntStream.range(0, n).filter(i -> rnd.nextBoolean()).toArray();
      Integer[] expected = java.util.Arrays.stream(idx).boxed().toArray(Integer[]::new);
      java.util.Arrays.sort(expected, (a, b) -> Long.compare(key[a], key[b]));

      assertThat(HistoryChecker.sortedBy(idx, key)).containsExactly(
          java.util.Arrays.stream(expected).mapToInt(Integer::intValue).toArray());
    }
  }
}
