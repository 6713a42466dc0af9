package io.tso4j.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The benchmark loop against fake targets: counts, errors, and the order check on doctored results. */
final class BenchRunTest {
  private static final BenchConfig SHORT = new BenchConfig(8, Duration.ofMillis(300), Duration.ofMillis(100), 2,
      Duration.ofSeconds(2));

  @Test
  void aCorrectTargetRunsCleanly() throws Exception {
    BenchResult r = new BenchRun(new FakeTarget(false, false), SHORT, "fake").run();

    assertThat(r.calls()).isPositive();
    assertThat(r.orderViolations()).isZero();
    assertThat(r.unfinished()).isZero();
    assertThat(r.errors()).isEmpty();
    assertThat(r.p50()).isLessThanOrEqualTo(r.p99());
  }

  @Test
  void aTargetThatHandsOutOverlappingRangesFailsTheCheck() throws Exception {
    BenchResult r = new BenchRun(new FakeTarget(true, false), SHORT, "doctored").run();

    assertThat(r.orderViolations()).isPositive();
    assertThat(r.firstViolation()).isNotNull();
  }

  @Test
  void errorsAreCountedByKind() throws Exception {
    BenchResult r = new BenchRun(new FakeTarget(false, true), SHORT, "failing").run();

    assertThat(r.errors()).containsKey("IllegalStateException");
    assertThat(r.unfinished()).isZero();
  }

  @Test
  void aTargetWithoutTermsReportsNoTermChanges() throws Exception {
    BenchResult r = new BenchRun(new FakeTarget(false, false), SHORT, "fake").run();

    assertThat(r.termChanges()).isEqualTo(-1);
    assertThat(r.checkedLine()).doesNotContain("term");
    assertThat(r.toJson()).contains("\"term_changes\":-1");
  }

  @Test
  void termChangesAreCountedFromTheTermServingWhenTheMeasuredTimeBegan() throws Exception {
    FakeTarget target = new FakeTarget(false, false) {
      @Override
      public Stats stats() { // term 4 served the warm-up; each later look at the counters sees one election more
        long n = looks.getAndIncrement();
        return new Stats(calls.get(), calls.get(), 4, 4 + 3 * n);
      }
    };
    BenchResult r = new BenchRun(target, SHORT, "electing").run();

    assertThat(r.firstTerm()).isEqualTo(4);
    assertThat(r.lastTerm()).isEqualTo(7);
    assertThat(r.termChanges()).isEqualTo(3);
    assertThat(r.checkedLine()).endsWith("; served in term 4..7 (3 term change(s) in the measured time)");
    assertThat(r.toJson()).contains("\"term_changes\":3");
  }

  /** Completes every call asynchronously with the next range (or a doctored one, or an error). */
  private static class FakeTarget implements BenchTarget {
    final AtomicLong looks = new AtomicLong();
    final AtomicLong calls = new AtomicLong();
    private final AtomicLong next = new AtomicLong(1);
    private final boolean overlap;
    private final boolean fail;

    FakeTarget(boolean overlap, boolean fail) {
      this.overlap = overlap;
      this.fail = fail;
    }

    @Override
    public String name() {
      return "fake";
    }

    @Override
    public void call(int count, Completion completion) {
      calls.incrementAndGet();
      CompletableFuture.runAsync(() -> {
        if (fail) {
          completion.done(-1, new IllegalStateException("failing on purpose"));
          return;
        }
        // Doctored: every range overlaps the previous one by one value.
        long first = next.getAndAdd(overlap ? count - 1 : count);
        completion.done(first, null);
      });
    }

    @Override
    public Stats stats() {
      return new Stats(calls.get(), calls.get());
    }

    @Override
    public void close() {
    }
  }
}
