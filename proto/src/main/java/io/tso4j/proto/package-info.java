/**
 * The hand-written half of the tso4j.v1 wire contract: the constants that client and server must agree on ({@link
 * io.tso4j.proto.WireKeys}: the leader-hint trailer key and the request limits). The generated messages and stubs are
 * in {@code io.tso4j.proto.v1}, from {@code tso4j/v1/*.proto}.
 *
 * <p>Module {@code tso4j-proto}: depends on tso4j-timestamp, protobuf and the gRPC stubs only, and must never import
 * the client, the server, Ratis or any tool (enforced by the build).
 */
package io.tso4j.proto;
