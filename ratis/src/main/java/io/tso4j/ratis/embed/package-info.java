/**
 * tso4j inside an application that already runs Apache Ratis.
 *
 * <p>Two modes, both behind {@link io.tso4j.ratis.embed.EmbeddedTso}:
 * <ul>
 *   <li>{@link io.tso4j.ratis.embed.EmbeddedTso#cohosted co-hosted group}: the TSO is its own Raft group (own log,
 *       snapshots and fencing) on the host's {@code RaftServer}; the host's state machine is untouched.</li>
 *   <li>{@link io.tso4j.ratis.embed.EmbeddedTso#piggyback in-log piggyback}: the TSO's commands ride in the host's
 *       own log; the host's state machine routes them to a {@link io.tso4j.ratis.HighWaterRegister} and keeps
 *       its state in the host's snapshots. The TSO's leader is the host's leader.</li>
 * </ul>
 *
 * <p>Either way the result is the same {@link io.tso4j.core.TimestampOracle} (same allocator, fence and lease)
 * as a standalone node, usable in-process or through tso4j's gRPC service on a port of the host's choosing. See
 * docs/embedding.md. Besides {@code io.tso4j.ratis}, this is the only package that uses Ratis types.
 */
package io.tso4j.ratis.embed;
