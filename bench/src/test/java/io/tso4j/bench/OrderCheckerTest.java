package io.tso4j.bench;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The bench's order checker, with a positive control for each rule. */
final class OrderCheckerTest {
  @Test
  void cleanResultsPass() {
    OrderChecker c = new OrderChecker(2, 3);
    call(c, 0, 10);
    call(c, 1, 13);
    call(c, 0, 16);
    call(c, 1, 19);

    assertThat(c.finish()).isZero();
    assertThat(c.firstViolation()).isNull();
    assertThat(c.accepted()).isEqualTo(4);
    assertThat(c.overlapChecked()).isEqualTo(4);
  }

  @Test
  void aCallerThatGoesBackIsCaughtAtOnce() {
    OrderChecker c = new OrderChecker(1, 1);
    assertThat(call(c, 0, 100)).isTrue();

    assertThat(call(c, 0, 100)).isFalse();
    assertThat(c.violations()).isGreaterThanOrEqualTo(1);
    assertThat(c.firstViolation()).contains("caller 0");
  }

  @Test
  void aCallInvokedAfterAnotherCompletedMustGetLargerTimestamps() {
    OrderChecker c = new OrderChecker(2, 1);
    assertThat(call(c, 0, 500)).isTrue();

    // Caller 1 starts after caller 0's call ended, and gets something lower: a real-time order violation, even though
    // caller 1 on its own is in order.
    assertThat(call(c, 1, 400)).isFalse();
    assertThat(c.firstViolation()).contains("had completed before it was invoked");
  }

  @Test
  void concurrentCallsAreNotOrderedButMustNotOverlap() {
    OrderChecker c = new OrderChecker(2, 4);
    c.invoked(0);
    c.invoked(1);
    assertThat(c.accept(0, 100)).isTrue();
    assertThat(c.accept(1, 90)).as("concurrent with caller 0's call: any order is fine").isTrue();
    assertThat(c.violations()).isZero();

    OrderChecker overlapping = new OrderChecker(2, 4);
    overlapping.invoked(0);
    overlapping.invoked(1);
    overlapping.accept(0, 100);
    overlapping.accept(1, 102);
    assertThat(overlapping.violations()).as("each on its own is in order").isZero();
    assertThat(overlapping.finish()).isEqualTo(1);
    assertThat(overlapping.firstViolation()).contains("overlap");
  }

  @Test
  void theOverlapCheckKeepsAtMostItsCapacityAndSaysSo() {
    OrderChecker c = new OrderChecker(2, 1, 1000);
    for (int i = 0; i < 100_000; i++) {
      call(c, i % 2, 1_000 + i);
    }
    assertThat(c.finish()).isZero();
    assertThat(c.accepted()).isEqualTo(100_000);
    assertThat(c.overlapChecked()).isEqualTo(1000);
  }

  private static boolean call(OrderChecker c, int caller, long first) {
    c.invoked(caller);
    return c.accept(caller, first);
  }
}
