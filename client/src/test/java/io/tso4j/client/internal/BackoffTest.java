package io.tso4j.client.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

final class BackoffTest {
  private final Backoff backoff = new Backoff(Duration.ofMillis(20), Duration.ofMillis(500));

  @Test
  void theCeilingDoublesUpToTheMax() {
    assertThat(backoff.ceilingMillis(1)).isEqualTo(20);
    assertThat(backoff.ceilingMillis(2)).isEqualTo(40);
    assertThat(backoff.ceilingMillis(5)).isEqualTo(320);
    assertThat(backoff.ceilingMillis(6)).isEqualTo(500);
    assertThat(backoff.ceilingMillis(1000)).isEqualTo(500);
  }

  @Test
  void delaysAreFullJitterBelowTheCeiling() {
    long min = Long.MAX_VALUE;
    long max = Long.MIN_VALUE;
    for (int i = 0; i < 2000; i++) {
      long d = backoff.delayMillis(3);
      min = Math.min(min, d);
      max = Math.max(max, d);
    }

    assertThat(min).isBetween(0L, 10L);
    assertThat(max).isBetween(70L, 80L);
  }
}
