package io.tso4j.cli;

import io.tso4j.core.FenceConfig;
import io.tso4j.server.NodeTuning;
import java.nio.file.Path;
import java.time.Duration;
import java.util.UUID;
import picocli.CommandLine.Option;

/**
 * The tuning options of {@code serve} and {@code local-cluster} beyond {@link NodeOptions}: Raft group id, snapshot
 * threshold, Raft write timeout, fence retry budget, shutdown handoff grace, log directory and format. Their defaults come from
 * {@link BuiltInDefaults}, which reads them from the constants of the module that owns each knob.
 */
final class NodeTuningOptions {
  @Option(names = "--group-id", paramLabel = "UUID",
      description = "The Raft group id; the same on every node of a cluster (default: ${DEFAULT-VALUE}).")
  UUID groupId;

  @Option(names = "--snapshot-threshold", paramLabel = "ENTRIES",
      description = "Raft log entries between automatic snapshots (default: ${DEFAULT-VALUE}).")
  long snapshotThreshold;

  @Option(names = "--raft-request-timeout", converter = DurationConverter.class, paramLabel = "DURATION",
      description = "How long one Raft write may take before it fails and is retried (default: ${DEFAULT-VALUE}).")
  Duration raftRequestTimeout;

  @Option(names = "--fence-retry-budget", converter = DurationConverter.class, paramLabel = "DURATION",
      description = "How long a new leader retries failed fence writes before it gives up the term "
          + "(default: ${DEFAULT-VALUE}).")
  Duration fenceRetryBudget;

  @Option(names = "--handoff-grace", converter = DurationConverter.class, paramLabel = "DURATION",
      description = "On SIGTERM, how long a leader tries to hand leadership to a follower; 0s skips the handoff "
          + "(default: ${DEFAULT-VALUE}).")
  Duration handoffGrace;

  @Option(names = "--log-dir", paramLabel = "DIR",
      description = "Write the log to files in DIR (rolled daily and at 100 MB, 14 days kept) instead of stderr "
          + "(default: stderr).")
  Path logDir;

  @Option(names = "--log-format", paramLabel = "text|json", defaultValue = LogFormat.DEFAULT,
      description = "text: one line per event (date, level, thread, logger, message); json: one JSON object per line "
          + "(default: ${DEFAULT-VALUE}).")
  String logFormat;

  /** The node knobs these options give. */
  NodeTuning tuning() {
    if (snapshotThreshold < 1) {
      throw new IllegalArgumentException("--snapshot-threshold must be at least 1, was " + snapshotThreshold);
    }
    positive("--raft-request-timeout", raftRequestTimeout);
    if (handoffGrace.isNegative()) {
      throw new IllegalArgumentException("--handoff-grace must not be negative, was "
          + DurationConverter.format(handoffGrace));
    }
    return new NodeTuning(groupId, snapshotThreshold, raftRequestTimeout, handoffGrace);
  }

  /**
   * The log format of these options.
   *
   * @throws IllegalArgumentException if it is neither text nor json
   */
  LogFormat logFormat() {
    return LogFormat.parse(logFormat);
  }

  /** Sends the log where these options say (stderr or {@code --log-dir}, file {@code name}.log) in {@code format}. */
  void applyLogging(LogFormat format, String name) {
    if (logDir != null) {
      LogDirectory.use(logDir, name, format);
    } else {
      DaemonLogging.useFormat(format);
    }
  }

  /** {@code fence} with the retry budget of these options. */
  FenceConfig applyTo(FenceConfig fence) {
    positive("--fence-retry-budget", fenceRetryBudget);
    return fence.withRetryBudget(fenceRetryBudget);
  }

  private static void positive(String option, Duration d) {
    if (d.isZero() || d.isNegative()) {
      throw new IllegalArgumentException(option + " must be more than 0s, was " + DurationConverter.format(d));
    }
  }
}
