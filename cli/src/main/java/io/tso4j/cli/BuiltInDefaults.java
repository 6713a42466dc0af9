package io.tso4j.cli;

import io.tso4j.core.FenceConfig;
import io.tso4j.ratis.RatisDriverConfig;
import io.tso4j.server.NodeSecurity;
import io.tso4j.server.NodeTuning;
import java.util.Map;
import java.util.Optional;

/**
 * The built-in defaults of the node options, read from the constants of the module that owns each knob, so that a
 * default is written down in one place only. Options not listed here keep the default in their annotation.
 */
final class BuiltInDefaults {
  // FenceConfig gets its own KEY/DEFAULT constants soon; window and fence-retry-budget then read those instead.
  private static final FenceConfig FENCE = FenceConfig.defaults();

  private static final Map<String, String> DEFAULTS = Map.of(
      "rpc-timeout-min", DurationConverter.format(RatisDriverConfig.DEFAULT_RPC_TIMEOUT_MIN),
      "rpc-timeout-max", DurationConverter.format(RatisDriverConfig.DEFAULT_RPC_TIMEOUT_MAX),
      "window", DurationConverter.format(FENCE.window()),
      "group-id", NodeTuning.DEFAULT_GROUP_ID.toString(),
      "snapshot-threshold", Long.toString(NodeTuning.DEFAULT_SNAPSHOT_THRESHOLD),
      "raft-request-timeout", DurationConverter.format(NodeTuning.DEFAULT_RAFT_REQUEST_TIMEOUT),
      "fence-retry-budget", DurationConverter.format(FENCE.retryBudget()),
      "handoff-grace", DurationConverter.format(NodeTuning.DEFAULT_HANDOFF_GRACE),
      "tls-refresh-period", DurationConverter.format(NodeSecurity.DEFAULT_TLS_REFRESH_PERIOD));

  private BuiltInDefaults() {
  }

  /** The built-in default of the option with long name {@code --key}, if this class owns it. */
  static Optional<String> of(String key) {
    return Optional.ofNullable(DEFAULTS.get(key));
  }

  /** The option names whose defaults this class owns. */
  static Iterable<String> keys() {
    return DEFAULTS.keySet();
  }
}
