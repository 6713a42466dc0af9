/**
 * {@code tso4j bench}: a closed-loop load generator over the tso4j client (pd-tso-bench style), with HdrHistogram
 * latencies, an order check of every answer, and plots; {@code io.tso4j.bench.baseline} is the one-Raft-write-per-call
 * counter it compares against.
 *
 * <p>Module {@code tso4j-bench}: depends on the client and the server. Nothing but the CLI may depend on it, and it
 * must never import the CLI, the testkit or a logging backend (enforced by the build).
 */
package io.tso4j.bench;
