package io.tso4j.client.internal;

import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;

/**
 * The validated configuration of one client. Immutable.
 *
 * <p>Internal API: public only so that {@code io.tso4j.client.TsoClient} can build it.
 *
 * @param endpoints the configured endpoints (the seeds), {@code host:port}, in the order they are tried
 * @param callTimeout the deadline of one call, including every retry
 * @param attemptTimeout the most one attempt against one node may take (never more than what is left of the call)
 * @param maxRedirects how many leader hints one round over the endpoints follows at most
 * @param backoffBase the ceiling of the first backoff between rounds over the endpoints
 * @param backoffMax the largest backoff ceiling
 * @param maxInFlight the most requests the stream may have on the wire at once, 1..4
 * @param security how channels are secured
 * @param ticker the clock of every deadline and estimate
 * @param scheduler the timer, or null for the client's own daemon thread
 */
public record ClientSettings(
    List<String> endpoints,
    Duration callTimeout,
    Duration attemptTimeout,
    int maxRedirects,
    Duration backoffBase,
    Duration backoffMax,
    int maxInFlight,
    ChannelSecurity security,
    Ticker ticker,
    TaskScheduler scheduler) {
  /** The most requests in flight on one stream. */
  public static final int MAX_IN_FLIGHT = 4;

  /** Validates every field; every message names the bad value. */
  public ClientSettings {
    Objects.requireNonNull(endpoints, "endpoints");
    if (endpoints.isEmpty()) {
      throw new IllegalArgumentException("at least one endpoint is required");
    }
    for (String e : endpoints) {
      HostPort.parse(e);
    }
    if (new LinkedHashSet<>(endpoints).size() != endpoints.size()) {
      throw new IllegalArgumentException("endpoints must not repeat: " + endpoints);
    }
    endpoints = List.copyOf(endpoints);
    positive("callTimeout", callTimeout);
    positive("attemptTimeout", attemptTimeout);
    positive("backoffBase", backoffBase);
    positive("backoffMax", backoffMax);
    if (maxRedirects < 0) {
      throw new IllegalArgumentException("maxRedirects must be >= 0, was " + maxRedirects);
    }
    if (maxInFlight < 1 || maxInFlight > MAX_IN_FLIGHT) {
      throw new IllegalArgumentException("maxRequestsInFlight must be in 1.." + MAX_IN_FLIGHT + ", was "
          + maxInFlight);
    }
    if (backoffMax.compareTo(backoffBase) < 0) {
      throw new IllegalArgumentException("backoffMax " + backoffMax + " must not be below backoffBase "
          + backoffBase);
    }
    Objects.requireNonNull(security, "security");
    Objects.requireNonNull(ticker, "ticker");
  }

  /**
   * How long a node may hold one timestamp request instead of refusing it while it expects to serve soon (the
   * request's {@code max_wait_ms}; fencing, renewing its lease, or an election under way): half the attempt timeout,
   * so a held request is answered well before the client gives up on the attempt. The node caps it at 1 s.
   */
  public int serverWaitMillis() {
    return (int) Math.min(Integer.MAX_VALUE, attemptTimeout.toMillis() / 2);
  }

  private static void positive(String name, Duration d) {
    if (d == null || d.isNegative() || d.isZero()) {
      throw new IllegalArgumentException(name + " must be positive, was " + d);
    }
  }
}
