/**
 * The Apache Ratis consensus driver: a replicated high-water register ({@link io.tso4j.ratis.HighWaterStateMachine})
 * and the {@link io.tso4j.core.ConsensusDriver} over it ({@link io.tso4j.ratis.RatisDriver}). {@link
 * io.tso4j.ratis.HighWaterRegister} holds the apply rules shared by the TSO's own state machine and host state
 * machines that carry TSO commands in their log.
 *
 * <p>Module {@code tso4j-ratis}, together with {@code io.tso4j.ratis.embed}: the only room that uses Ratis types. It
 * depends on tso4j-core and Ratis and must never import tso4j's gRPC service, the client, the CLI, the bench, the
 * testkit, picocli or a logging backend (enforced by the build), so that an application that embeds the oracle gets
 * nothing it did not ask for.
 */
package io.tso4j.ratis;
