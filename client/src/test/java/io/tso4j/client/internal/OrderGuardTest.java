package io.tso4j.client.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tso4j.timestamp.Timestamp;
import io.tso4j.client.TsoOrderViolationException;
import io.tso4j.proto.v1.GetTimestampResponse;
import org.junit.jupiter.api.Test;

final class OrderGuardTest {
  private static final long PHYSICAL = 1_700_000_000_000L;

  private final OrderGuard guard = new OrderGuard();

  @Test
  void acceptsIncreasingRangesAndRecordsTheHighest() {
    guard.accept(guard.open(), 5, 1, response(Timestamp.pack(PHYSICAL, 0), 5, 1, 1));
    guard.accept(guard.open(), 1, 2, response(Timestamp.pack(PHYSICAL, 5), 1, 1, 2));

    assertThat(guard.highestReturned()).isEqualTo(Timestamp.pack(PHYSICAL, 5));
  }

  @Test
  void rejectsAFirstAtOrBelowWhatWasReturnedBeforeTheCallStarted() {
    guard.accept(guard.open(), 5, 1, response(Timestamp.pack(PHYSICAL, 0), 5, 1, 1));
    OrderGuard.Ticket later = guard.open();

    assertThatThrownBy(() -> guard.accept(later, 1, 2, response(Timestamp.pack(PHYSICAL, 4), 1, 1, 2)))
        .isInstanceOf(TsoOrderViolationException.class).hasMessageContaining("not above");
    assertThat(guard.highestReturned()).isEqualTo(Timestamp.pack(PHYSICAL, 4));
  }

  @Test
  void callsRunningConcurrentlyMayCompleteOutOfOrder() {
    OrderGuard.Ticket first = guard.open();
    OrderGuard.Ticket second = guard.open();

    guard.accept(second, 1, 2, response(Timestamp.pack(PHYSICAL, 9), 1, 1, 2));
    guard.accept(first, 1, 1, response(Timestamp.pack(PHYSICAL, 3), 1, 1, 1));

    assertThat(guard.highestReturned()).isEqualTo(Timestamp.pack(PHYSICAL, 9));
  }

  @Test
  void rejectsATermBelowOneAlreadySeen() {
    guard.accept(guard.open(), 1, 1, response(Timestamp.pack(PHYSICAL, 0), 1, 4, 1));

    assertThatThrownBy(() -> guard.accept(guard.open(), 1, 2, response(Timestamp.pack(PHYSICAL + 1, 0), 1, 3, 2)))
        .isInstanceOf(TsoOrderViolationException.class).hasMessageContaining("term 3");
  }

  @Test
  void rejectsMalformedResponses() {
    OrderGuard.Ticket t = guard.open();

    assertThatThrownBy(() -> guard.accept(t, 2, 1, response(Timestamp.pack(PHYSICAL, 0), 3, 1, 1)))
        .hasMessageContaining("count 3, requested 2");
    assertThatThrownBy(() -> guard.accept(t, 2, 1, response(Timestamp.pack(PHYSICAL, 0), 2, 1, 9)))
        .hasMessageContaining("request id 9");
    assertThatThrownBy(() -> guard.accept(t, 1, 1, response(-5, 1, 1, 1)))
        .hasMessageContaining("not a valid timestamp");
    assertThatThrownBy(() -> guard.accept(t, 1, 1, response(Timestamp.pack(PHYSICAL, 0), 1, -1, 1)))
        .hasMessageContaining("term 18446744073709551615");
    assertThatThrownBy(() -> guard.accept(t, 2, 1, response(Timestamp.pack(PHYSICAL, Timestamp.MAX_LOGICAL), 2, 1,
        1))).hasMessageContaining("leaves its physical millisecond");
    assertThat(guard.highestReturned()).isEqualTo(-1);
  }

  private static GetTimestampResponse response(long first, int count, long term, long requestId) {
    return GetTimestampResponse.newBuilder().setFirst(first).setCount(count).setTerm(term).setRequestId(requestId)
        .build();
  }
}
