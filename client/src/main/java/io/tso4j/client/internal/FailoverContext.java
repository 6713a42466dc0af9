package io.tso4j.client.internal;

/**
 * What every {@link EndpointRound} of one client shares: the leader cache, the known endpoints, which endpoints are
 * unreachable, the backoff, the redirect budget and the ticker. Immutable (its parts are thread-safe).
 *
 * @param leaders the leader cache (moves forward by term only)
 * @param view the known members and the seeds
 * @param reachability recent transport failures
 * @param backoff the backoff between rounds
 * @param maxRedirects how many hints one round follows at most
 * @param ticker the clock
 */
record FailoverContext(LeaderCache leaders, ClusterView view, Reachability reachability, Backoff backoff,
    int maxRedirects, Ticker ticker) {
}
