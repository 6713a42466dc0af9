package io.tso4j.client;

import io.tso4j.timestamp.Timestamp;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

final class TimestampRangeTest {
  private static final long PHYSICAL = 1_700_000_000_000L;

  @Test
  void holdsConsecutiveTimestamps() {
    TimestampRange r = TimestampRange.of(Timestamp.of(PHYSICAL, 10), 3, 7);
    List<Timestamp> all = new ArrayList<>();
    r.forEach(all::add);

    assertThat(all).containsExactly(Timestamp.of(PHYSICAL, 10), Timestamp.of(PHYSICAL, 11),
        Timestamp.of(PHYSICAL, 12));
    assertThat(r.last()).isEqualTo(r.get(2));
    assertThat(r.contains(Timestamp.of(PHYSICAL, 12))).isTrue();
    assertThat(r.contains(Timestamp.of(PHYSICAL, 13))).isFalse();
    assertThat(r.term()).isEqualTo(7);
    assertThat(r).isEqualTo(TimestampRange.of(Timestamp.of(PHYSICAL, 10), 3, 7));
    assertThatThrownBy(() -> r.get(3)).isInstanceOf(IndexOutOfBoundsException.class);
  }

  @Test
  void aFullMillisecondIsOneRange() {
    TimestampRange r = TimestampRange.of(Timestamp.of(PHYSICAL, 0), Timestamp.PER_MILLISECOND, 1);

    assertThat(r.last()).isEqualTo(Timestamp.of(PHYSICAL, Timestamp.MAX_LOGICAL));
  }

  @Test
  void rejectsMalformedRanges() {
    assertThatThrownBy(() -> TimestampRange.of(Timestamp.of(PHYSICAL, Timestamp.MAX_LOGICAL), 2, 1))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("leaves");
    assertThatThrownBy(() -> TimestampRange.of(Timestamp.of(PHYSICAL, 0), 0, 1))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("was 0");
    assertThatThrownBy(() -> TimestampRange.of(Timestamp.of(PHYSICAL, 0), 1, -1))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("-1");
  }
}
