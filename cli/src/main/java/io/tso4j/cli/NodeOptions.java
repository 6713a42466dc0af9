package io.tso4j.cli;

import io.tso4j.core.FenceConfig;
import java.time.Duration;
import picocli.CommandLine.Option;

/** Options shared by {@code serve} and {@code local-cluster}: Raft timeouts and the window. */
final class NodeOptions {
  @Option(names = "--rpc-timeout-min", defaultValue = "200ms", converter = DurationConverter.class,
      description = "Raft minimum election timeout; the serving lease is 0.8 of it (default: ${DEFAULT-VALUE}).")
  Duration rpcTimeoutMin;

  @Option(names = "--rpc-timeout-max", defaultValue = "400ms", converter = DurationConverter.class,
      description = "Raft maximum election timeout (default: ${DEFAULT-VALUE}).")
  Duration rpcTimeoutMax;

  @Option(names = "--window", defaultValue = "3s", converter = DurationConverter.class,
      description = "How far ahead of the clock the high-water mark is persisted (default: ${DEFAULT-VALUE}).")
  Duration window;

  /** The fence settings these options give. */
  FenceConfig fenceConfig() {
    if (rpcTimeoutMax.compareTo(rpcTimeoutMin) <= 0) {
      throw new IllegalArgumentException("--rpc-timeout-max (" + DurationConverter.format(rpcTimeoutMax)
          + ") must be greater than --rpc-timeout-min (" + DurationConverter.format(rpcTimeoutMin) + ")");
    }
    if (window.toMillis() < 100) {
      throw new IllegalArgumentException("--window must be at least 100ms, was " + DurationConverter.format(window));
    }
    // The keep-alive interval is derived from the lease (0.8 x rpc-timeout-min) by FenceConfig's one rule.
    return FenceConfig.builder().window(window).extendThreshold(window.dividedBy(3)).build();
  }
}
