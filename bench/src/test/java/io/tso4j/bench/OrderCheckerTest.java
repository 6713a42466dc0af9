package io.tso4j.bench;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The bench's order checker, with a positive control for each rule. */
final class OrderCheckerTest {
  @Test
  void cleanResultsPass() {
    OrderChecker c = new OrderChecker(2, 3);
    c.accept(0, 10);
    c.accept(1, 13);
    c.accept(0, 16);
    c.accept(1, 19);

    assertThat(c.finish()).isZero();
    assertThat(c.firstViolation()).isNull();
  }

  @Test
  void aCallerThatGoesBackIsCaughtAtOnce() {
    OrderChecker c = new OrderChecker(1, 1);
    assertThat(c.accept(0, 100)).isTrue();

    assertThat(c.accept(0, 100)).isFalse();
    assertThat(c.violations()).isEqualTo(1);
    assertThat(c.firstViolation()).contains("caller 0");
  }

  @Test
  void overlappingRangesOfDifferentCallersAreCaughtAtTheEnd() {
    OrderChecker c = new OrderChecker(2, 4);
    c.accept(0, 100);
    c.accept(1, 102);

    assertThat(c.violations()).as("each caller on its own is in order").isZero();
    assertThat(c.finish()).isEqualTo(1);
    assertThat(c.firstViolation()).contains("overlap");
  }

  @Test
  void manyResultsGrowTheStore() {
    OrderChecker c = new OrderChecker(1, 1);
    for (int i = 0; i < 5000; i++) {
      c.accept(0, 1000 + i);
    }
    assertThat(c.finish()).isZero();
  }
}
