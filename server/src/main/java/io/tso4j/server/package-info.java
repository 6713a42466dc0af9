/**
 * The tso4j server node: {@link io.tso4j.server.TsoNode} assembles the Ratis driver, the oracle and the gRPC services
 * of one standalone node; {@link io.tso4j.server.LocalCluster} runs several in one process; {@link
 * io.tso4j.server.EmbeddedGrpc} puts the gRPC API in front of an embedded oracle.
 *
 * <p>Module {@code tso4j-server}: depends on core, ratis, proto and gRPC. It must never import the CLI, the bench, the
 * testkit, picocli or a logging backend (enforced by the build): it is a library that a daemon or a test wires up.
 */
package io.tso4j.server;
