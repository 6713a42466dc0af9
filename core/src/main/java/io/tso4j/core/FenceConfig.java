package io.tso4j.core;

import java.time.Duration;

/**
 * Tunables of the leader watch and the allocator window. Immutable; validated in the constructor.
 *
 * @param window how far ahead of the clock the persisted high-water mark is set (PD: 3 s)
 * @param extendThreshold when less than this remains of the window, an extension is written at once
 * @param keepAliveInterval how often a serving leader writes to renew its lease (and slide the window)
 * @param pollInterval how often the driver's leadership is polled as a safety net
 * @param operationTimeout how long one driver call may take before it counts as TRANSIENT
 * @param backoffBase the first retry delay after a TRANSIENT fence error
 * @param backoffMax the largest retry delay
 * @param retryBudget the total time the fence may spend retrying TRANSIENT errors before stepping down
 * @param driftMargin extra wait, on top of one lease, between a new leader's fence write and its first grant
 */
public record FenceConfig(
    Duration window,
    Duration extendThreshold,
    Duration keepAliveInterval,
    Duration pollInterval,
    Duration operationTimeout,
    Duration backoffBase,
    Duration backoffMax,
    Duration retryBudget,
    Duration driftMargin) {

  /** Validates every field. */
  public FenceConfig {
    positive("window", window);
    positive("keepAliveInterval", keepAliveInterval);
    positive("pollInterval", pollInterval);
    positive("operationTimeout", operationTimeout);
    positive("backoffBase", backoffBase);
    positive("backoffMax", backoffMax);
    positive("retryBudget", retryBudget);
    if (extendThreshold == null || extendThreshold.isNegative() || extendThreshold.compareTo(window) >= 0) {
      throw new IllegalArgumentException("extendThreshold must be in [0, window): " + extendThreshold);
    }
    if (driftMargin == null || driftMargin.isNegative()) {
      throw new IllegalArgumentException("driftMargin must be >= 0: " + driftMargin);
    }
    if (backoffMax.compareTo(backoffBase) < 0) {
      throw new IllegalArgumentException("backoffMax " + backoffMax + " < backoffBase " + backoffBase);
    }
  }

  /** The defaults: 3 s window, 1 s extend threshold, 50 ms keep-alive, 1.4 s retry budget. */
  public static FenceConfig defaults() {
    return new FenceConfig(Duration.ofSeconds(3), Duration.ofSeconds(1), Duration.ofMillis(50),
        Duration.ofMillis(50), Duration.ofSeconds(3), Duration.ofMillis(20), Duration.ofMillis(400),
        Duration.ofMillis(1400), Duration.ofMillis(20));
  }

  /** A copy with another keep-alive interval. */
  public FenceConfig withKeepAliveInterval(Duration d) {
    return new FenceConfig(window, extendThreshold, d, pollInterval, operationTimeout, backoffBase, backoffMax,
        retryBudget, driftMargin);
  }

  /** A copy with another retry budget. */
  public FenceConfig withRetryBudget(Duration d) {
    return new FenceConfig(window, extendThreshold, keepAliveInterval, pollInterval, operationTimeout, backoffBase,
        backoffMax, d, driftMargin);
  }

  /** A copy with another operation timeout. */
  public FenceConfig withOperationTimeout(Duration d) {
    return new FenceConfig(window, extendThreshold, keepAliveInterval, pollInterval, d, backoffBase, backoffMax,
        retryBudget, driftMargin);
  }

  private static void positive(String name, Duration d) {
    if (d == null || d.isNegative() || d.isZero()) {
      throw new IllegalArgumentException(name + " must be > 0: " + d);
    }
  }
}
