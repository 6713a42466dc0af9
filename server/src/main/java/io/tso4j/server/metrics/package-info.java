/**
 * The server's meters as a Micrometer binder ({@link io.tso4j.server.metrics.NodeMetrics}). The only package of the
 * server that uses Micrometer, an optional dependency of {@code tso4j-server}: an embedding application that never
 * binds the meters needs no Micrometer (ServerArchitectureTest keeps it so). The library only binds; the daemon
 * ({@code tso4j serve --metrics-port}) owns the registry and serves it.
 */
package io.tso4j.server.metrics;
