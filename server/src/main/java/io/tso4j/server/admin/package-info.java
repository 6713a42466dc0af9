/**
 * The tso4j.v1 Admin gRPC service ({@code tso4j/v1/admin.proto}): members, membership changes, leadership transfer,
 * the high-water mark, raising the floor and backups. It rides on the node's client port, so it is protected by the
 * same transport security as the timestamp service. Never names a Ratis type: membership goes through
 * {@code io.tso4j.ratis.MembershipAdmin}.
 */
package io.tso4j.server.admin;
