package io.tso4j.client;

import io.tso4j.timestamp.Timestamp;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The order guard against a fake server that misbehaves on purpose: every bad response must be caught. */
final class OrderGuardOverGrpcTest {
  private static final long PHYSICAL = 1_700_000_000_000L;

  private FakeOracle fake;
  private TsoClient client;

  @BeforeEach
  void setUp() throws Exception {
    fake = new FakeOracle(FakeOracle.serving(4, PHYSICAL));
    // These tests are about what the guard does with an answer, never about time: a generous deadline, so that a
    // cold JVM on a loaded machine (the first gRPC call of the test run) cannot turn an answer into a timeout.
    client = TsoClient.newBuilder().endpoints(fake.endpoint()).callTimeout(Duration.ofSeconds(30))
        .attemptTimeout(Duration.ofSeconds(30)).build();
  }

  @AfterEach
  void tearDown() throws Exception {
    client.close();
    fake.close();
  }

  @Test
  void aGoodServerPasses() {
    TimestampRange a = client.getTimestamps(3);
    Timestamp b = client.getTimestamp();

    assertThat(a.first()).isEqualTo(Timestamp.of(PHYSICAL, 0));
    assertThat(a.term()).isEqualTo(4);
    assertThat(b).isEqualTo(Timestamp.of(PHYSICAL + 1, 0));
  }

  @Test
  void aRepeatedValueIsCaughtAndNeverReturned() {
    Timestamp first = client.getTimestamp();
    fake.answerWith(req -> FakeOracle.response(first.toLong(), req.getCount(), 4, req.getRequestId()));

    assertThatThrownBy(client::getTimestamp)
        .isInstanceOf(TsoOrderViolationException.class)
        .hasMessageContaining("is not above " + first.toLong());
  }

  @Test
  void anOlderValueIsCaught() {
    client.getTimestamps(10);
    fake.answerWith(req -> FakeOracle.response(Timestamp.pack(PHYSICAL - 1, 5), req.getCount(), 4,
        req.getRequestId()));

    assertThatThrownBy(() -> client.getTimestampAsync().join())
        .hasCauseInstanceOf(TsoOrderViolationException.class);
  }

  @Test
  void anOverlappingRangeIsCaught() {
    TimestampRange r = client.getTimestamps(10);
    fake.answerWith(req -> FakeOracle.response(r.last().toLong(), req.getCount(), 4, req.getRequestId()));

    assertThatThrownBy(() -> client.getTimestamps(2)).isInstanceOf(TsoOrderViolationException.class);
  }

  @Test
  void aTermThatGoesBackIsCaught() {
    client.getTimestamp();
    fake.answerWith(req -> FakeOracle.response(Timestamp.pack(PHYSICAL + 50, 0), req.getCount(), 3,
        req.getRequestId()));

    assertThatThrownBy(client::getTimestamp)
        .isInstanceOf(TsoOrderViolationException.class).hasMessageContaining("term 3 is below term 4");
  }

  @Test
  void aWrongCountIsCaught() {
    fake.answerWith(req -> FakeOracle.response(Timestamp.pack(PHYSICAL, 0), req.getCount() - 1, 4,
        req.getRequestId()));

    assertThatThrownBy(() -> client.getTimestamps(5))
        .isInstanceOf(TsoOrderViolationException.class).hasMessageContaining("count 4, requested 5");
  }

  @Test
  void aRangeThatLeavesItsMillisecondIsCaught() {
    fake.answerWith(req -> FakeOracle.response(Timestamp.pack(PHYSICAL, Timestamp.MAX_LOGICAL), req.getCount(), 4,
        req.getRequestId()));

    assertThatThrownBy(() -> client.getTimestamps(2))
        .isInstanceOf(TsoOrderViolationException.class).hasMessageContaining("leaves its physical millisecond");
  }

  @Test
  void aWrongRequestIdIsCaught() {
    fake.answerWith(req -> FakeOracle.response(Timestamp.pack(PHYSICAL, 0), req.getCount(), 4,
        req.getRequestId() + 1));

    assertThatThrownBy(client::getTimestamp)
        .isInstanceOf(TsoOrderViolationException.class).hasMessageContaining("request id");
  }

  @Test
  void theGuardKeepsTheHighWaterMarkAfterAViolation() {
    Timestamp good = client.getTimestamp();
    fake.answerWith(req -> FakeOracle.response(good.toLong() - 1, req.getCount(), 4, req.getRequestId()));
    assertThatThrownBy(client::getTimestamp).isInstanceOf(TsoOrderViolationException.class);

    fake.answerWith(req -> FakeOracle.response(good.toLong(), req.getCount(), 4, req.getRequestId()));

    assertThatThrownBy(client::getTimestamp).isInstanceOf(TsoOrderViolationException.class);
  }
}
