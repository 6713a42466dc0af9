package io.tso4j.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tso4j.core.memory.InMemoryDriver;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** One named default per knob, the one keep-alive rule, and the settings checked against each other. */
final class FenceConfigTest {
  @Test
  void theDefaultsAreTheNamedConstants() {
    FenceConfig d = FenceConfig.defaults();
    assertThat(d.window()).isEqualTo(FenceConfig.WINDOW_DEFAULT).isEqualTo(Duration.ofSeconds(3));
    assertThat(d.extendThreshold()).isEqualTo(FenceConfig.EXTEND_THRESHOLD_DEFAULT);
    assertThat(d.keepAliveInterval()).as("derived from the lease").isEmpty();
    assertThat(d.pollInterval()).isEqualTo(FenceConfig.POLL_INTERVAL_DEFAULT);
    assertThat(d.operationTimeout()).isEqualTo(FenceConfig.OPERATION_TIMEOUT_DEFAULT);
    assertThat(d.backoffBase()).isEqualTo(FenceConfig.BACKOFF_BASE_DEFAULT);
    assertThat(d.backoffMax()).isEqualTo(FenceConfig.BACKOFF_MAX_DEFAULT);
    assertThat(d.retryBudget()).isEqualTo(FenceConfig.RETRY_BUDGET_DEFAULT);
    assertThat(d.driftMargin()).isEqualTo(FenceConfig.DRIFT_MARGIN_DEFAULT);
    assertThat(d.maxClockSlew()).isEqualTo(FenceConfig.MAX_CLOCK_SLEW_DEFAULT);
    assertThat(d.peerClockRateBound()).isEqualTo(FenceConfig.PEER_CLOCK_RATE_BOUND_DEFAULT).isEqualTo(0.05);
    assertThat(d.peerClockRateWindow()).isEqualTo(FenceConfig.PEER_CLOCK_RATE_WINDOW_DEFAULT)
        .isEqualTo(Duration.ofSeconds(5));
    assertThat(FenceConfig.PEER_CLOCK_RATE_BOUND_KEY).isEqualTo("tso4j.fence.clock.peer-rate-bound");
    assertThat(FenceConfig.WINDOW_KEY).isEqualTo("tso4j.fence.window");
    assertThat(d.toBuilder().build()).isEqualTo(d);
  }

  @Test
  void theKeepAliveIsAThirdOfTheLeaseUnlessSet() {
    FenceConfig d = FenceConfig.defaults();
    assertThat(d.keepAliveIntervalFor(Duration.ofMillis(160))).isEqualTo(Duration.ofNanos(53_333_333));
    assertThat(d.keepAliveIntervalFor(Duration.ofMillis(800))).isEqualTo(Duration.ofNanos(266_666_666));
    assertThat(d.withKeepAliveInterval(Duration.ofMillis(20)).keepAliveIntervalFor(Duration.ofMillis(160)))
        .isEqualTo(Duration.ofMillis(20));
  }

  @Test
  void aKeepAliveLongerThanHalfTheLeaseIsRefusedNamingBothValues() {
    FenceConfig fixed = FenceConfig.defaults().withKeepAliveInterval(Duration.ofMillis(50));
    fixed.checkAgainstLease(Duration.ofMillis(100));
    // A small election timeout (rpc-timeout-min 100 ms: lease 80 ms) with the old fixed 50 ms keep-alive.
    assertThatThrownBy(() -> fixed.checkAgainstLease(Duration.ofMillis(80)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(FenceConfig.KEEP_ALIVE_INTERVAL_KEY + " 50 ms")
        .hasMessageContaining("lease 80 ms");
    InMemoryDriver driver = new InMemoryDriver("n1", Duration.ofMillis(80), new LeadershipEvent.Leader(1));
    assertThatThrownBy(() -> new TimestampOracle(driver, fixed, TsoClock.system(), e -> { }))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("50 ms").hasMessageContaining("80 ms");
    // The derived default always fits.
    new TimestampOracle(driver, FenceConfig.defaults(), TsoClock.system(), e -> { }).close();
  }

  @Test
  void aZeroDriftMarginAndOtherBadValuesAreRefused() {
    assertThatThrownBy(() -> FenceConfig.builder().driftMargin(Duration.ZERO).build())
        .hasMessageContaining(FenceConfig.DRIFT_MARGIN_KEY).hasMessageContaining("> 0");
    assertThatThrownBy(() -> FenceConfig.builder().window(Duration.ofSeconds(1)).extendThreshold(Duration.ofSeconds(1))
        .build()).hasMessageContaining(FenceConfig.EXTEND_THRESHOLD_KEY);
    assertThatThrownBy(() -> FenceConfig.builder().keepAliveInterval(Duration.ZERO).build())
        .hasMessageContaining(FenceConfig.KEEP_ALIVE_INTERVAL_KEY);
    assertThatThrownBy(() -> FenceConfig.builder().backoffBase(Duration.ofSeconds(1)).build())
        .hasMessageContaining(FenceConfig.BACKOFF_MAX_KEY);
    assertThatThrownBy(() -> FenceConfig.builder().peerClockRateBound(0).build())
        .hasMessageContaining(FenceConfig.PEER_CLOCK_RATE_BOUND_KEY);
    assertThatThrownBy(() -> FenceConfig.builder().peerClockRateWindow(Duration.ZERO).build())
        .hasMessageContaining(FenceConfig.PEER_CLOCK_RATE_WINDOW_KEY);
    assertThatThrownBy(() -> FenceConfig.defaults().checkAgainstLease(Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
