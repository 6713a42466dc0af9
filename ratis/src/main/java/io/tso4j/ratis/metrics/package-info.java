/**
 * Ratis' own metrics in a Micrometer registry ({@link io.tso4j.ratis.metrics.RatisMetricsBridge}). The only package of
 * {@code tso4j-ratis} that uses Micrometer, an optional dependency: an embedder that binds no meters needs none.
 */
package io.tso4j.ratis.metrics;
