package io.tso4j.client.internal;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The adaptive requests-in-flight rules, one by one, with explicit estimates. */
final class PipelinePolicyTest {
  private static final long RTT = 100_000;

  private final PipelinePolicy policy = new PipelinePolicy(2);

  /** Estimates: a 100 µs round trip and 1 µs per caller handed out. */
  private void warm() {
    policy.sent(0);
    policy.answered(0, RTT);
    policy.delivered(10, 10_000);
  }

  @Test
  void nobodyWaitingOrKOnTheWireMeansNo() {
    warm();
    assertThat(policy.maySend(0, 0, false, 0, RTT)).isFalse();
    assertThat(policy.maySend(2, 5, false, 0, 10 * RTT)).isFalse();
    assertThat(policy.maySend(2, 5, true, 1_000_000, 10 * RTT)).isFalse();
  }

  @Test
  void anIdleStreamAlwaysTakesOneRequest() {
    assertThat(policy.maySend(0, 1, false, 0, 0)).as("before any estimate").isTrue();
    warm();
    assertThat(policy.maySend(0, 1, false, 0, RTT)).isTrue();
  }

  @Test
  void duringAHandOutThatOutlastsARoundTripTheWaitingCallersGo() {
    warm();
    assertThat(policy.perCallerNanos()).isEqualTo(1_000);

    assertThat(policy.maySend(0, 32, true, 100, RTT)).as("100 callers x 1 us = the round trip").isTrue();
    assertThat(policy.maySend(1, 32, true, 500, RTT)).as("one more while another is out").isTrue();
  }

  @Test
  void duringAShortHandOutTheWaitingCallersWaitForItsEnd() {
    warm();
    assertThat(policy.maySend(0, 32, true, 99, RTT)).as("99 us left < 100 us round trip").isFalse();
  }

  @Test
  void withoutEstimatesAHandOutNeverSendsEarly() {
    assertThat(policy.maySend(0, 32, true, 1_000_000, 0)).isFalse();
  }

  @Test
  void callersArrivingOnTheirOwnAreSpreadOverTheRoundTrip() {
    warm();
    policy.sent(RTT);
    assertThat(policy.maySend(1, 3, false, 0, RTT + RTT / 2 - 1)).as("before rtt/k").isFalse();
    assertThat(policy.maySend(1, 3, false, 0, RTT + RTT / 2)).as("at rtt/k").isTrue();
  }

  @Test
  void kOneNeverPutsTwoOnTheWire() {
    PipelinePolicy one = new PipelinePolicy(1);
    one.sent(0);
    one.answered(0, RTT);
    one.delivered(1, 1_000_000);
    assertThat(one.maySend(1, 10, false, 0, 100 * RTT)).isFalse();
    assertThat(one.maySend(1, 10, true, 1_000, 100 * RTT)).isFalse();
    assertThat(one.maySend(0, 10, true, 1_000, 100 * RTT)).as("one on the wire while handing out").isTrue();
  }

  @Test
  void estimatesAreSmoothed() {
    policy.answered(0, 800);
    policy.answered(0, 1_600);

    assertThat(policy.rttNanos()).isEqualTo(800 - 100 + 200);
  }
}
