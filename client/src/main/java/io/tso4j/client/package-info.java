/**
 * The tso4j Java client: {@link io.tso4j.client.TsoClient} and its value and exception types. Callers are coalesced
 * into few RPCs on one stream to the leader; the client finds the leader, fails over, and checks the order of every
 * answer.
 *
 * <p>Module {@code tso4j-client}: depends on tso4j-proto and gRPC (the {@code grpc-netty-shaded} transport at runtime
 * scope, so an application can swap it), with Micrometer optional. It must never import Ratis, any server-side tso4j
 * module, or a logging backend (enforced by the build). Everything in {@code io.tso4j.client.internal} is internal
 * API and may change without notice.
 */
package io.tso4j.client;
