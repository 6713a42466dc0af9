/**
 * The tso4j Java client: {@link io.tso4j.client.TsoClient} (built with its builder), the value types
 * {@link io.tso4j.client.TimestampRange} and {@link io.tso4j.client.Member}, the exceptions, and
 * {@link io.tso4j.client.TsoClientMetrics} (Micrometer meters). Callers are coalesced into few requests on one
 * stream to the leader; the client finds the leader, fails over by one endpoint-round policy, speaks plaintext or
 * (m)TLS, and checks the order of every answer.
 *
 * <p>Module {@code tso4j-client}: depends on tso4j-proto, tso4j-timestamp and gRPC (grpc-util for TLS; the
 * {@code grpc-netty-shaded} transport at runtime scope, so an application can swap it), with Micrometer optional
 * (only {@code TsoClientMetrics} uses it). It must never import Ratis, any server-side tso4j module, or a logging
 * backend (enforced by the build). Everything in {@code io.tso4j.client.internal} is internal API and may change
 * without notice.
 */
package io.tso4j.client;
