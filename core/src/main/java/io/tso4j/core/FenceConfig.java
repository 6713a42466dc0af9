package io.tso4j.core;

import java.time.Duration;
import java.util.Optional;

/**
 * Tunables of the leader watch, the allocator window and the oracle time. Immutable; validated in the constructor,
 * and against the driver's lease by {@link #checkAgainstLease(Duration)} when an oracle is built.
 *
 * <p>Every knob has one name and one default, in the style of Ratis' {@code *ConfigKeys}: {@code X_KEY} is the
 * property name (for command lines and embedders' configuration files) and {@code X_DEFAULT} the value {@link
 * #defaults()} uses. Build one with {@link #builder()}.
 *
 * @param window how far ahead of the oracle time the persisted high-water mark is set (PD: 3 s)
 * @param extendThreshold when less than this remains of the window, an extension is written at once
 * @param keepAliveInterval how often a serving leader writes to renew its lease (and slide the window); empty: derived
 *     from the lease by {@link #keepAliveIntervalFor(Duration)} (a third of it)
 * @param pollInterval how often the driver's leadership is polled as a safety net (and the clocks sampled)
 * @param operationTimeout how long one driver call may take before it counts as TRANSIENT
 * @param backoffBase the first retry delay after a TRANSIENT fence error
 * @param backoffMax the largest retry delay
 * @param retryBudget the total time the fence may spend retrying TRANSIENT errors before stepping down
 * @param driftMargin extra wait, on top of the longest lease, between a new leader's load and its first grant; it
 *     covers the monotonic clocks of two nodes running at different rates over one lease, so it must be &gt; 0
 * @param maxClockSlew how much faster or slower than the monotonic clock the oracle time may run while it follows a
 *     wall clock that stepped (a fraction in (0, 1); 0.1 = 10 %), see {@link OracleTime}
 * @param peerClockRateBound how much faster or slower than a majority of the other voters this node's monotonic
 *     clock may run before it is suspect and stops serving (a fraction in (0, 1); 0.05 = 5 %), see {@link
 *     PeerClockRate}
 * @param peerClockRateWindow over how long the peers' clocks are compared (longer: finer, slower to detect)
 */
public record FenceConfig(
    Duration window,
    Duration extendThreshold,
    Optional<Duration> keepAliveInterval,
    Duration pollInterval,
    Duration operationTimeout,
    Duration backoffBase,
    Duration backoffMax,
    Duration retryBudget,
    Duration driftMargin,
    double maxClockSlew,
    double peerClockRateBound,
    Duration peerClockRateWindow) {

  /** Property name of {@link #window()}. */
  public static final String WINDOW_KEY = "tso4j.fence.window";
  /** Default of {@link #window()}: 3 s. */
  public static final Duration WINDOW_DEFAULT = Duration.ofSeconds(3);
  /** Property name of {@link #extendThreshold()}. */
  public static final String EXTEND_THRESHOLD_KEY = "tso4j.fence.extend-threshold";
  /** Default of {@link #extendThreshold()}: 1 s (a third of the default window). */
  public static final Duration EXTEND_THRESHOLD_DEFAULT = Duration.ofSeconds(1);
  /** Property name of {@link #keepAliveInterval()}. */
  public static final String KEEP_ALIVE_INTERVAL_KEY = "tso4j.fence.keep-alive.interval";
  /** Default of {@link #keepAliveInterval()}: derived from the lease, the lease divided by this (3). */
  public static final int KEEP_ALIVE_LEASE_DIVISOR_DEFAULT = 3;
  /** Property name of {@link #pollInterval()}. */
  public static final String POLL_INTERVAL_KEY = "tso4j.fence.poll.interval";
  /** Default of {@link #pollInterval()}: 50 ms. */
  public static final Duration POLL_INTERVAL_DEFAULT = Duration.ofMillis(50);
  /** Property name of {@link #operationTimeout()}. */
  public static final String OPERATION_TIMEOUT_KEY = "tso4j.fence.operation.timeout";
  /** Default of {@link #operationTimeout()}: 3 s. */
  public static final Duration OPERATION_TIMEOUT_DEFAULT = Duration.ofSeconds(3);
  /** Property name of {@link #backoffBase()}. */
  public static final String BACKOFF_BASE_KEY = "tso4j.fence.backoff.base";
  /** Default of {@link #backoffBase()}: 20 ms. */
  public static final Duration BACKOFF_BASE_DEFAULT = Duration.ofMillis(20);
  /** Property name of {@link #backoffMax()}. */
  public static final String BACKOFF_MAX_KEY = "tso4j.fence.backoff.max";
  /** Default of {@link #backoffMax()}: 400 ms. */
  public static final Duration BACKOFF_MAX_DEFAULT = Duration.ofMillis(400);
  /** Property name of {@link #retryBudget()}. */
  public static final String RETRY_BUDGET_KEY = "tso4j.fence.retry.budget";
  /** Default of {@link #retryBudget()}: 1.4 s. */
  public static final Duration RETRY_BUDGET_DEFAULT = Duration.ofMillis(1400);
  /** Property name of {@link #driftMargin()}. */
  public static final String DRIFT_MARGIN_KEY = "tso4j.fence.drift-margin";
  /** Default of {@link #driftMargin()}: 20 ms. */
  public static final Duration DRIFT_MARGIN_DEFAULT = Duration.ofMillis(20);
  /** Property name of {@link #maxClockSlew()}. */
  public static final String MAX_CLOCK_SLEW_KEY = "tso4j.fence.clock.max-slew";
  /** Default of {@link #maxClockSlew()}: 0.1 (10 %, above the 8.3 % that chrony slews at most). */
  public static final double MAX_CLOCK_SLEW_DEFAULT = 0.1;
  /** Property name of {@link #peerClockRateBound()}. */
  public static final String PEER_CLOCK_RATE_BOUND_KEY = "tso4j.fence.clock.peer-rate-bound";
  /**
   * Default of {@link #peerClockRateBound()}: 0.05 (5 %: fifty times the 0.1 % drift tso4j assumes, well below the
   * 12.5 % the fence tolerates with the default lease and drift margin).
   */
  public static final double PEER_CLOCK_RATE_BOUND_DEFAULT = 0.05;
  /** Property name of {@link #peerClockRateWindow()}. */
  public static final String PEER_CLOCK_RATE_WINDOW_KEY = "tso4j.fence.clock.peer-rate-window";
  /** Default of {@link #peerClockRateWindow()}: 5 s. */
  public static final Duration PEER_CLOCK_RATE_WINDOW_DEFAULT = Duration.ofSeconds(5);

  /** Validates every field (the lease-dependent checks are in {@link #checkAgainstLease(Duration)}). */
  public FenceConfig {
    positive(WINDOW_KEY, window);
    if (keepAliveInterval == null) {
      keepAliveInterval = Optional.empty();
    }
    keepAliveInterval.ifPresent(d -> positive(KEEP_ALIVE_INTERVAL_KEY, d));
    positive(POLL_INTERVAL_KEY, pollInterval);
    positive(OPERATION_TIMEOUT_KEY, operationTimeout);
    positive(BACKOFF_BASE_KEY, backoffBase);
    positive(BACKOFF_MAX_KEY, backoffMax);
    positive(RETRY_BUDGET_KEY, retryBudget);
    if (extendThreshold == null || extendThreshold.isNegative() || extendThreshold.compareTo(window) >= 0) {
      throw new IllegalArgumentException(EXTEND_THRESHOLD_KEY + " must be in [0, " + WINDOW_KEY + " = "
          + window.toMillis() + " ms): " + extendThreshold);
    }
    if (driftMargin == null || driftMargin.isNegative() || driftMargin.isZero()) {
      throw new IllegalArgumentException(DRIFT_MARGIN_KEY + " must be > 0 (it covers the monotonic clocks of two "
          + "nodes running at different rates over one lease): " + driftMargin);
    }
    if (backoffMax.compareTo(backoffBase) < 0) {
      throw new IllegalArgumentException(BACKOFF_MAX_KEY + " " + backoffMax + " < " + BACKOFF_BASE_KEY + " "
          + backoffBase);
    }
    if (!(maxClockSlew > 0 && maxClockSlew < 1)) {
      throw new IllegalArgumentException(MAX_CLOCK_SLEW_KEY + " must be in (0, 1): " + maxClockSlew);
    }
    if (!(peerClockRateBound > 0 && peerClockRateBound < 1)) {
      throw new IllegalArgumentException(PEER_CLOCK_RATE_BOUND_KEY + " must be in (0, 1): " + peerClockRateBound);
    }
    positive(PEER_CLOCK_RATE_WINDOW_KEY, peerClockRateWindow);
  }

  /** The defaults: every {@code X_DEFAULT} constant; the keep-alive interval derived from the lease. */
  public static FenceConfig defaults() {
    return builder().build();
  }

  /** A builder that starts from the defaults. */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * The keep-alive interval for a driver whose lease is {@code lease}: the configured one, or else the one rule of
   * tso4j, a third of the lease (so a renewal that is lost or slow still leaves two more before the lease lapses).
   */
  public Duration keepAliveIntervalFor(Duration lease) {
    return keepAliveInterval.orElseGet(() -> lease.dividedBy(KEEP_ALIVE_LEASE_DIVISOR_DEFAULT));
  }

  /**
   * Checks the settings that only make sense against the driver's lease: the keep-alive interval must be at most half
   * the lease (a longer one lets the lease lapse between renewals, freezing the leader on every interval).
   *
   * @throws IllegalArgumentException naming both values
   */
  public void checkAgainstLease(Duration lease) {
    if (lease == null || lease.isNegative() || lease.isZero()) {
      throw new IllegalArgumentException("the driver's lease must be > 0: " + lease);
    }
    Duration keepAlive = keepAliveIntervalFor(lease);
    if (keepAlive.multipliedBy(2).compareTo(lease) > 0) {
      throw new IllegalArgumentException(KEEP_ALIVE_INTERVAL_KEY + " " + keepAlive.toMillis() + " ms must be at "
          + "most half the lease " + lease.toMillis() + " ms (0.8 x the Raft minimum election timeout): with a "
          + "longer interval the lease lapses between renewals; lower the interval or raise the election timeout");
    }
  }

  /** A copy with another keep-alive interval. */
  public FenceConfig withKeepAliveInterval(Duration d) {
    return toBuilder().keepAliveInterval(d).build();
  }

  /** A copy with another retry budget. */
  public FenceConfig withRetryBudget(Duration d) {
    return toBuilder().retryBudget(d).build();
  }

  /** A copy with another operation timeout. */
  public FenceConfig withOperationTimeout(Duration d) {
    return toBuilder().operationTimeout(d).build();
  }

  /** A builder that starts from this configuration. */
  public Builder toBuilder() {
    Builder b = new Builder();
    b.window = window;
    b.extendThreshold = extendThreshold;
    b.keepAliveInterval = keepAliveInterval.orElse(null);
    b.pollInterval = pollInterval;
    b.operationTimeout = operationTimeout;
    b.backoffBase = backoffBase;
    b.backoffMax = backoffMax;
    b.retryBudget = retryBudget;
    b.driftMargin = driftMargin;
    b.maxClockSlew = maxClockSlew;
    b.peerClockRateBound = peerClockRateBound;
    b.peerClockRateWindow = peerClockRateWindow;
    return b;
  }

  private static void positive(String name, Duration d) {
    if (d == null || d.isNegative() || d.isZero()) {
      throw new IllegalArgumentException(name + " must be > 0: " + d);
    }
  }

  /** A builder of {@link FenceConfig}; every field starts at its default; {@link #build()} validates. */
  public static final class Builder {
    private Duration window = WINDOW_DEFAULT;
    private Duration extendThreshold = EXTEND_THRESHOLD_DEFAULT;
    private Duration keepAliveInterval;
    private Duration pollInterval = POLL_INTERVAL_DEFAULT;
    private Duration operationTimeout = OPERATION_TIMEOUT_DEFAULT;
    private Duration backoffBase = BACKOFF_BASE_DEFAULT;
    private Duration backoffMax = BACKOFF_MAX_DEFAULT;
    private Duration retryBudget = RETRY_BUDGET_DEFAULT;
    private Duration driftMargin = DRIFT_MARGIN_DEFAULT;
    private double maxClockSlew = MAX_CLOCK_SLEW_DEFAULT;
    private double peerClockRateBound = PEER_CLOCK_RATE_BOUND_DEFAULT;
    private Duration peerClockRateWindow = PEER_CLOCK_RATE_WINDOW_DEFAULT;

    private Builder() {
    }

    /** Sets {@link FenceConfig#window()}. */
    public Builder window(Duration d) {
      this.window = d;
      return this;
    }

    /** Sets {@link FenceConfig#extendThreshold()}. */
    public Builder extendThreshold(Duration d) {
      this.extendThreshold = d;
      return this;
    }

    /** Sets {@link FenceConfig#keepAliveInterval()}; null derives it from the lease. */
    public Builder keepAliveInterval(Duration d) {
      this.keepAliveInterval = d;
      return this;
    }

    /** Sets {@link FenceConfig#pollInterval()}. */
    public Builder pollInterval(Duration d) {
      this.pollInterval = d;
      return this;
    }

    /** Sets {@link FenceConfig#operationTimeout()}. */
    public Builder operationTimeout(Duration d) {
      this.operationTimeout = d;
      return this;
    }

    /** Sets {@link FenceConfig#backoffBase()}. */
    public Builder backoffBase(Duration d) {
      this.backoffBase = d;
      return this;
    }

    /** Sets {@link FenceConfig#backoffMax()}. */
    public Builder backoffMax(Duration d) {
      this.backoffMax = d;
      return this;
    }

    /** Sets {@link FenceConfig#retryBudget()}. */
    public Builder retryBudget(Duration d) {
      this.retryBudget = d;
      return this;
    }

    /** Sets {@link FenceConfig#driftMargin()}. */
    public Builder driftMargin(Duration d) {
      this.driftMargin = d;
      return this;
    }

    /** Sets {@link FenceConfig#maxClockSlew()}. */
    public Builder maxClockSlew(double fraction) {
      this.maxClockSlew = fraction;
      return this;
    }

    /** Sets {@link FenceConfig#peerClockRateBound()}. */
    public Builder peerClockRateBound(double fraction) {
      this.peerClockRateBound = fraction;
      return this;
    }

    /** Sets {@link FenceConfig#peerClockRateWindow()}. */
    public Builder peerClockRateWindow(Duration d) {
      this.peerClockRateWindow = d;
      return this;
    }

    /** The validated configuration. */
    public FenceConfig build() {
      return new FenceConfig(window, extendThreshold, Optional.ofNullable(keepAliveInterval), pollInterval,
          operationTimeout, backoffBase, backoffMax, retryBudget, driftMargin, maxClockSlew, peerClockRateBound,
          peerClockRateWindow);
    }
  }
}
