/**
 * A {@link io.tso4j.core.ConsensusDriver} without consensus: one node, the register in memory. For the
 * {@code --driver memory} reference benchmark and for tests; it replicates nothing and survives nothing.
 */
package io.tso4j.core.memory;
