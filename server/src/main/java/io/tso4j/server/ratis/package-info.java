/**
 * The Apache Ratis consensus driver: a replicated high-water register ({@link
 * io.tso4j.server.ratis.HighWaterStateMachine}) and the {@link io.tso4j.server.core.ConsensusDriver} over it ({@link
 * io.tso4j.server.ratis.RatisDriver}).
 *
 * <p>This package and {@code io.tso4j.server.embed} are the only ones that use Ratis types; everything else talks to the
 * driver contract. {@link io.tso4j.server.ratis.HighWaterRegister} holds the apply rules shared by the TSO's own state
 * machine and host state machines that carry TSO commands in their log.
 */
package io.tso4j.server.ratis;
