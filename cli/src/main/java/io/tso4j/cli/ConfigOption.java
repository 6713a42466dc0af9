package io.tso4j.cli;

import java.nio.file.Path;
import picocli.CommandLine.Option;

/**
 * The {@code --config FILE} option, mixed into every command that takes settings. The file itself is read by
 * {@link ConfigDefaults} before parsing; this option only makes the flag legal and documented.
 */
final class ConfigOption {
  @Option(names = "--config", paramLabel = "FILE", description = "A properties file with option defaults "
      + "(keys are the long option names without dashes, e.g. grpc-port=7001); also TSO4J_CONFIG.")
  Path config;
}
