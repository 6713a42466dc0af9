package io.tso4j.client.internal;

import java.util.concurrent.ScheduledExecutorService;

/**
 * What every call of one client shares: settings, channels, the leader cache, the backoff and the timer. Immutable
 * (its parts are thread-safe).
 */
record CallEnvironment(
    ClientSettings settings,
    ChannelPool channels,
    LeaderCache leaders,
    Backoff backoff,
    ScheduledExecutorService timer) {
}
