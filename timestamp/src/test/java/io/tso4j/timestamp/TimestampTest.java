package io.tso4j.timestamp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import org.junit.jupiter.api.Test;

/** The bit layout and its one rule: every timestamp is a non-negative long, so signed order is timestamp order. */
final class TimestampTest {
  @Test
  void theLargestTimestampIsLongMaxValueAndNonNegative() {
    long max = Timestamp.pack(Timestamp.MAX_PHYSICAL, Timestamp.MAX_LOGICAL);
    assertThat(max).isEqualTo(Long.MAX_VALUE).isNotNegative();
    assertThat(Timestamp.physicalOf(max)).isEqualTo(Timestamp.MAX_PHYSICAL);
    assertThat(Timestamp.logicalOf(max)).isEqualTo(Timestamp.MAX_LOGICAL);
    assertThat(Timestamp.fromLong(max).physicalMillis()).isEqualTo(Timestamp.MAX_PHYSICAL);
    assertThat(Timestamp.MAX_PHYSICAL).isEqualTo((1L << 45) - 1);
    assertThat(Timestamp.PHYSICAL_BITS + Timestamp.LOGICAL_BITS).isEqualTo(63);
  }

  @Test
  void signedOrderIsTimestampOrderUpToTheLimit() {
    long belowTop = Timestamp.pack(Timestamp.MAX_PHYSICAL - 1, Timestamp.MAX_LOGICAL);
    long top = Timestamp.pack(Timestamp.MAX_PHYSICAL, 0);
    long early = Timestamp.pack(1_700_000_000_000L, 5);
    assertThat(early).isLessThan(belowTop);
    assertThat(belowTop).isLessThan(top);
    assertThat(Timestamp.fromLong(belowTop)).isLessThan(Timestamp.fromLong(top));
    assertThat(Long.compare(early, top)).isNegative();
  }

  @Test
  void aPhysicalPartAtOrAboveTwoToThe45IsRejected() {
    assertThatThrownBy(() -> Timestamp.pack(Timestamp.MAX_PHYSICAL + 1, 0))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("out of range");
    assertThatThrownBy(() -> Timestamp.of(1L << 45, 0)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> Timestamp.pack(-1, 0)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> Timestamp.pack(0, Timestamp.PER_MILLISECOND)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> Timestamp.fromLong(-1)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> Timestamp.fromLong(Long.MIN_VALUE)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void theLimitIsInTheYear3084() {
    assertThat(Timestamp.of(Timestamp.MAX_PHYSICAL, 0).toInstant()).isEqualTo(Instant.parse("3084-12-12T12:41:28.831Z"));
  }

  @Test
  void packAndUnpackRoundTrip() {
    Timestamp t = Timestamp.of(1_700_000_000_123L, 4_567);
    assertThat(t.physicalMillis()).isEqualTo(1_700_000_000_123L);
    assertThat(t.logical()).isEqualTo(4_567);
    assertThat(Timestamp.fromLong(t.toLong())).isEqualTo(t);
    assertThat(t.toString()).contains("2023-11-14T22:13:20.123Z").contains("logical 4567");
  }
}
