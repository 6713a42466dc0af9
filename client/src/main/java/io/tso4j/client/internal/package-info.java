/**
 * Internal parts of the tso4j client; not API: public types here are public only for {@code io.tso4j.client}.
 *
 * <p>Who decides what: {@code EndpointRound} (where the next attempt goes, for unary calls and the stream alike),
 * {@code CallQueue} (coalescing), {@code PipelinePolicy} (when another request may go out), {@code Delivery}
 * (order guard and splitting a response among its callers), {@code DeadlineSweeper} (deadlines and attempt
 * timeouts), {@code SilentLeaderWatch} (leaving a silent leader), {@code StreamConnector} (carrying out the round's
 * steps for the stream), {@code StatusTranslator} (the one reader of gRPC statuses), {@code LeaderCache} (the leader,
 * forward by term only), {@code ChannelSecurity} and {@code TlsReloader} (credentials), {@code MetricsHub} (metrics
 * fan-out). Time comes from one injected {@code Ticker}; timers from one {@code TaskScheduler}.
 */
package io.tso4j.client.internal;
