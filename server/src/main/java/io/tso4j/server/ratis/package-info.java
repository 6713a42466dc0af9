/**
 * The Apache Ratis consensus driver: a replicated high-water register ({@link
 * io.tso4j.server.ratis.HighWaterStateMachine}) and the {@link io.tso4j.server.core.ConsensusDriver} over it ({@link
 * io.tso4j.server.ratis.RatisDriver}).
 *
 * <p>This is the only package that uses Ratis types; everything else talks to the driver contract.
 */
package io.tso4j.server.ratis;
