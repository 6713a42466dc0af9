/**
 * The naive baseline of {@code tso4j bench --baseline ratis-counter}: a replicated counter where every request is one
 * Ratis write. Benchmark support only; the tso4j server never uses it.
 */
package io.tso4j.bench.baseline;
