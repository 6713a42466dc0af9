/**
 * Fault injection inside a node's JVM, reachable only through the testkit: {@link
 * io.tso4j.testkit.faults.RaftFaultInjection} (Raft message partitions and slow log writes through Ratis's test
 * hooks), the {@link io.tso4j.testkit.faults.FaultControlFile} that drives it, and {@link
 * io.tso4j.testkit.faults.HookedMain}, the entry point that wraps a stock main class with both.
 *
 * <p>Module {@code tso4j-testkit} (with {@code .cluster} and {@code .stress}): depends on the client and the server.
 * Only the CLI (for {@code tso4j stress}) and tests may depend on it; it must never import the CLI, the bench or a
 * logging backend (enforced by the build). No flag, environment variable or config key of a stock {@code tso4j serve}
 * reaches these hooks.
 */
package io.tso4j.testkit.faults;
