package io.tso4j.client.internal;

/**
 * What every call of one client shares: settings, channels, the failover context (leader cache, known endpoints,
 * reachability, backoff, ticker), the scheduler, the metrics and the re-bootstrap. Immutable (its parts are
 * thread-safe).
 */
record CallEnvironment(
    ClientSettings settings,
    ChannelPool channels,
    FailoverContext failover,
    TaskScheduler scheduler,
    MetricsHub metrics,
    Rebootstrap rebootstrap) {

  Ticker ticker() {
    return failover.ticker();
  }

  LeaderCache leaders() {
    return failover.leaders();
  }

  /** Classifies a failed attempt against {@code endpoint} ({@link StatusTranslator}) for this client's channels. */
  Failure classify(Throwable t, String endpoint) {
    return StatusTranslator.classify(t, endpoint, settings.security().isPlaintext());
  }
}
