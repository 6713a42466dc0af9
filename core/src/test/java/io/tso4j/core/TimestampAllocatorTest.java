package io.tso4j.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tso4j.timestamp.Timestamp;
import io.tso4j.core.RefusedException.Reason;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** Examples of the {@link TimestampAllocator} on a hand-driven clock. */
final class TimestampAllocatorTest {
  private static final long T0 = 1_700_000_000_000L;

  private final ManualClock clock = new ManualClock(T0);
  private final AtomicInteger extensions = new AtomicInteger();

  private TimestampAllocator allocator(long thresholdMillis) {
    return new TimestampAllocator(clock, thresholdMillis, extensions::incrementAndGet);
  }

  private static RefusedException.Reason refusal(TimestampAllocator a, int count) {
    try {
      Grant g = a.allocate(count);
      throw new AssertionError("expected a refusal, got " + g);
    } catch (RefusedException e) {
      return e.reason();
    }
  }

  @Test
  void clockRegressionKeepsLastPhysicalValue() throws Exception {
    TimestampAllocator a = allocator(0);
    a.open(1, T0, T0 + 10_000, clock.monoIn(60_000));
    Grant before = a.allocate(10);
    assertThat(Timestamp.physicalOf(before.first())).isEqualTo(T0);

    clock.jumpWall(-5_000);
    Grant during = a.allocate(3);
    assertThat(Timestamp.physicalOf(during.first())).isEqualTo(T0);
    assertThat(Timestamp.logicalOf(during.first())).isEqualTo(10);
    assertThat(during.first()).isEqualTo(before.last() + 1);

    clock.setWall(T0 + 7);
    Grant after = a.allocate(1);
    assertThat(Timestamp.physicalOf(after.first())).isEqualTo(T0 + 7);
    assertThat(Timestamp.logicalOf(after.first())).isZero();
  }

  @Test
  void logicalExhaustionBorrowsNextMillisecond() throws Exception {
    TimestampAllocator a = allocator(0);
    a.open(1, T0, T0 + 100, clock.monoIn(60_000));
    Grant g1 = a.allocate(200_000);
    Grant g2 = a.allocate(100_000);
    assertThat(Timestamp.physicalOf(g1.first())).isEqualTo(T0);
    assertThat(g2.first()).isEqualTo(Timestamp.pack(T0 + 1, 0));
    assertThat(Timestamp.physicalOf(g2.last())).isEqualTo(T0 + 1);

    Grant full = a.allocate(TimestampAllocator.MAX_COUNT);
    assertThat(full.first()).isEqualTo(Timestamp.pack(T0 + 2, 0));
    assertThat(full.last()).isEqualTo(Timestamp.pack(T0 + 2, Timestamp.MAX_LOGICAL));
    assertThat(a.allocate(1).first()).isEqualTo(Timestamp.pack(T0 + 3, 0));
  }

  @Test
  void windowExhaustionRefusesAndRequestsExtensionExactlyOnce() throws Exception {
    TimestampAllocator a = allocator(0);
    a.open(4, T0, T0 + 2, clock.monoIn(60_000));
    a.allocate(1);
    clock.advance(3);
    for (int i = 0; i < 5; i++) {
      assertThat(refusal(a, 1)).isEqualTo(Reason.WINDOW_EXHAUSTED);
    }
    assertThat(extensions).hasValue(1);

    assertThat(a.renew(4, T0 + 10, clock.monoIn(60_000))).isTrue();
    assertThat(Timestamp.physicalOf(a.allocate(1).first())).isEqualTo(T0 + 3);
    clock.advance(20);
    assertThat(refusal(a, 1)).isEqualTo(Reason.WINDOW_EXHAUSTED);
    assertThat(refusal(a, 1)).isEqualTo(Reason.WINDOW_EXHAUSTED);
    assertThat(extensions).as("one more request after the window grew").hasValue(2);
  }

  @Test
  void shrinkingHeadroomRequestsExtensionOnceUntilTheWindowGrows() throws Exception {
    TimestampAllocator a = allocator(10);
    a.open(1, T0, T0 + 100, clock.monoIn(60_000));
    a.allocate(1);
    assertThat(extensions).hasValue(0);
    clock.advance(95);
    for (int i = 0; i < 10; i++) {
      a.allocate(1);
    }
    assertThat(extensions).hasValue(1);
    a.renew(1, T0 + 100, clock.monoIn(60_000));
    a.allocate(1);
    assertThat(extensions).as("a renewal that does not grow the window does not re-arm").hasValue(1);
    a.renew(1, T0 + 200, clock.monoIn(60_000));
    a.allocate(1);
    assertThat(extensions).hasValue(1);
    clock.advance(100);
    a.allocate(1);
    assertThat(extensions).hasValue(2);
  }

  @Test
  void poisonedAllocatorRefusesWithPoisonedAndOpenThrows() throws Exception {
    TimestampAllocator a = allocator(0);
    a.open(1, T0, T0 + 100, clock.monoIn(60_000));
    a.allocate(1);
    a.poison();
    assertThat(a.isPoisoned()).isTrue();
    assertThat(refusal(a, 1)).isEqualTo(Reason.POISONED);
    assertThatThrownBy(() -> a.open(2, T0 + 200, T0 + 300, clock.monoIn(60_000)))
        .isInstanceOf(IllegalStateException.class);
    assertThat(a.renew(1, T0 + 500, clock.monoIn(60_000))).isFalse();
    a.close();
    assertThat(refusal(a, 1)).isEqualTo(Reason.POISONED);
    assertThat(a.canServe()).isFalse();
  }

  @Test
  void closedAllocatorRefusesWithNotServingUntilReopened() throws Exception {
    TimestampAllocator a = allocator(0);
    assertThat(refusal(a, 1)).isEqualTo(Reason.NOT_SERVING);
    a.open(1, T0, T0 + 100, clock.monoIn(60_000));
    Grant g = a.allocate(1);
    a.close();
    assertThat(refusal(a, 1)).isEqualTo(Reason.NOT_SERVING);
    assertThat(a.renew(1, T0 + 200, clock.monoIn(60_000))).as("renew must not reopen").isFalse();
    assertThat(refusal(a, 1)).isEqualTo(Reason.NOT_SERVING);
    a.open(2, T0 + 101, T0 + 200, clock.monoIn(60_000));
    Grant h = a.allocate(1);
    assertThat(h.term()).isEqualTo(2);
    assertThat(h.first()).isGreaterThan(g.last());
    assertThat(Timestamp.physicalOf(h.first())).isEqualTo(T0 + 101);
  }

  @Test
  void lapsedLeaseRefusesWithLeaseExpiredUntilRenewed() throws Exception {
    TimestampAllocator a = allocator(0);
    a.open(1, T0, T0 + 1_000, clock.monoIn(50));
    a.allocate(1);
    clock.advanceMono(49);
    a.allocate(1);
    clock.advanceMono(1);
    assertThat(refusal(a, 1)).isEqualTo(Reason.LEASE_EXPIRED);
    assertThat(a.canServe()).isFalse();
    assertThat(a.renew(2, T0 + 1_000, clock.monoIn(50))).as("another term's renewal").isFalse();
    assertThat(refusal(a, 1)).isEqualTo(Reason.LEASE_EXPIRED);
    assertThat(a.renew(1, T0 + 1_000, clock.monoIn(50))).isTrue();
    assertThat(a.allocate(1).term()).isEqualTo(1);
  }

  @Test
  void renewNeverShrinksTheLimitOrTheLease() throws Exception {
    TimestampAllocator a = allocator(0);
    a.open(1, T0, T0 + 100, clock.monoIn(100));
    assertThat(a.renew(1, T0 + 50, clock.monoIn(10))).isTrue();
    assertThat(a.limit()).isEqualTo(T0 + 100);
    clock.advanceMono(50);
    assertThat(a.canServe()).as("the shorter lease did not replace the longer one").isTrue();
    clock.setWall(T0 + 100);
    assertThat(Timestamp.physicalOf(a.allocate(1).first())).isEqualTo(T0 + 100);
  }

  @Test
  void invalidCountIsRefusedInAnyState() {
    TimestampAllocator a = allocator(0);
    for (int bad : new int[] {0, -1, TimestampAllocator.MAX_COUNT + 1, Integer.MIN_VALUE, Integer.MAX_VALUE}) {
      assertThat(refusal(a, bad)).isEqualTo(Reason.INVALID_COUNT);
    }
    a.open(1, T0, T0 + 100, clock.monoIn(60_000));
    assertThat(refusal(a, 0)).isEqualTo(Reason.INVALID_COUNT);
    a.poison();
    assertThat(refusal(a, TimestampAllocator.MAX_COUNT + 1)).isEqualTo(Reason.INVALID_COUNT);
    assertThat(RefusedException.Reason.INVALID_COUNT.retryable()).isFalse();
  }

  @Test
  void openRejectsAWindowWhoseFloorIsAboveItsLimit() {
    TimestampAllocator a = allocator(0);
    assertThatThrownBy(() -> a.open(1, T0 + 1, T0, clock.monoIn(100))).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> a.open(1, -1, T0, clock.monoIn(100))).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> a.open(1, T0, Timestamp.MAX_PHYSICAL + 1, clock.monoIn(100)))
        .isInstanceOf(IllegalStateException.class);
  }

  @Test
  void grantsAtTheLimitOfTheFormatStayNonNegativeAndOrderedThenTheWindowIsExhausted() throws Exception {
    // T1: a window at the last physical millisecond; before the fix (limit 2^46 - 1) such grants were negative and the
    // next one, read against the "-1 = nothing issued" sentinel, went back to the clock.
    long top = Timestamp.MAX_PHYSICAL;
    TimestampAllocator a = allocator(0);
    a.open(1, top, top, clock.monoIn(60_000));
    long last = -1;
    for (int i = 0; i < 4; i++) {
      Grant g = a.allocate(Timestamp.PER_MILLISECOND / 4);
      assertThat(g.first()).isNotNegative().isGreaterThan(last);
      assertThat(Timestamp.physicalOf(g.first())).isEqualTo(top);
      last = g.last();
    }
    assertThat(last).isEqualTo(Long.MAX_VALUE);
    assertThat(a.lastIssued()).isEqualTo(Long.MAX_VALUE);
    assertThat(a.lastPhysical()).isEqualTo(top);
    assertThat(refusal(a, 1)).isEqualTo(Reason.WINDOW_EXHAUSTED);
    assertThat(a.renew(1, Long.MAX_VALUE, clock.monoIn(60_000))).isTrue();
    assertThat(a.limit()).as("renew clamps to the limit").isEqualTo(top);
    assertThat(refusal(a, 1)).isEqualTo(Reason.WINDOW_EXHAUSTED);
    assertThatThrownBy(() -> a.open(2, 1L << 45, 1L << 45, clock.monoIn(100))).isInstanceOf(IllegalStateException.class);
  }

  @Test
  void windowOpenedAtFloorZeroServesFromZero() throws Exception {
    clock.setWall(0);
    TimestampAllocator a = allocator(0);
    a.open(1, 0, 10, clock.monoIn(1_000));
    Grant g = a.allocate(5);
    assertThat(g.first()).isZero();
    assertThat(a.allocate(1).first()).isEqualTo(5);
  }

  @Test
  void reopenedWindowStartsAtTheFloorEvenWithTheClockBehind() throws Exception {
    TimestampAllocator a = allocator(0);
    a.open(1, T0, T0 + 10, clock.monoIn(1_000));
    a.allocate(1);
    a.close();
    a.open(2, T0 + 3_011, T0 + 6_000, clock.monoIn(1_000));
    Grant g = a.allocate(1);
    assertThat(g.first()).isEqualTo(Timestamp.pack(T0 + 3_011, 0));
    assertThat(g.term()).isEqualTo(2);
  }

  @Test
  void concurrentRequestsNeverOverlap() throws Exception {
    TimestampAllocator a = allocator(5);
    a.open(1, T0, T0 + 1_000_000, Long.MAX_VALUE);
    int threads = 4;
    ConcurrentLinkedQueue<Grant> grants = new ConcurrentLinkedQueue<>();
    ConcurrentLinkedQueue<Throwable> errors = new ConcurrentLinkedQueue<>();
    AtomicBoolean stop = new AtomicBoolean();
    CountDownLatch done = new CountDownLatch(threads);
    List<Thread> workers = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      int size = 1 + t * 40_000;
      Thread w = new Thread(() -> {
        try {
          for (int i = 0; i < 20_000 && !stop.get(); i++) {
            try {
              grants.add(a.allocate(size));
            } catch (RefusedException | RuntimeException e) {
              errors.add(e);
              return;
            }
          }
        } finally {
          done.countDown();
        }
      });
      workers.add(w);
      w.start();
    }
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    while (done.getCount() > 0 && System.nanoTime() < deadline) {
      clock.advance(1);
      done.await(1, TimeUnit.MILLISECONDS);
    }
    stop.set(true);
    assertThat(done.await(5, TimeUnit.SECONDS)).isTrue();
    assertThat(errors).isEmpty();
    List<Grant> sorted = new ArrayList<>(grants);
    sorted.sort((x, y) -> Long.compare(x.first(), y.first()));
    assertThat(sorted).hasSizeGreaterThan(1_000);
    for (int i = 1; i < sorted.size(); i++) {
      assertThat(sorted.get(i).first()).isGreaterThan(sorted.get(i - 1).last());
    }
    for (Grant g : sorted) {
      assertThat(Timestamp.physicalOf(g.last())).isEqualTo(Timestamp.physicalOf(g.first()));
    }
    assertThat(a.lastIssued()).isEqualTo(sorted.get(sorted.size() - 1).last());
  }
}
