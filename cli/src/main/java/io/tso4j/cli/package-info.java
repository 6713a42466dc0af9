/**
 * The {@code tso4j} command ({@link io.tso4j.cli.Main}): serve, local-cluster, get, parse, watch, bench and stress,
 * with their flags, the environment and config-file defaults, exit codes, and the daemon's logging set-up (logback and
 * its set-up, {@link io.tso4j.cli.DaemonLogging}, live here and nowhere else).
 *
 * <p>Module {@code tso4j-cli}: the top room; it may depend on every other module, and none may depend on it.
 */
package io.tso4j.cli;
