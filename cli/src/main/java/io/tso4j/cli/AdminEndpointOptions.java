package io.tso4j.cli;

import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import java.time.Duration;
import java.util.List;
import picocli.CommandLine.Option;

/**
 * The options of every command that talks to the admin service: which nodes to ask and for how long, and the one
 * method that opens a channel to a node ({@link #channel}): transport security for these commands goes there (a
 * TLS options mixin next to this one, read by that method), so every admin command gets it at once.
 */
final class AdminEndpointOptions {
  /** Default of {@code --timeout}: how long one admin command may take, redirects included. */
  static final String DEFAULT_TIMEOUT = "60s";

  @Option(names = "--endpoints", required = true, split = ",", paramLabel = "HOST:PORT[,HOST:PORT...]",
      description = "Client endpoints of one or more nodes; the command finds the leader from there.")
  List<String> endpoints;

  @Option(names = "--timeout", defaultValue = DEFAULT_TIMEOUT, converter = DurationConverter.class,
      description = "How long the command may take, redirects to the leader included (default: ${DEFAULT-VALUE}).")
  Duration timeout;

  /** A channel to {@code endpoint} (host:port). The one place where admin commands build a channel. */
  ManagedChannel channel(String endpoint) {
    return plaintextChannel(endpoint);
  }

  /** A plaintext channel to {@code endpoint}; also what {@code serve --join} uses to ask to be added. */
  static ManagedChannel plaintextChannel(String endpoint) {
    return ManagedChannelBuilder.forTarget(endpoint).usePlaintext().build();
  }

  /** An admin client over these options; close it when done. */
  AdminClient client() {
    if (endpoints == null || endpoints.isEmpty()) {
      throw new CliException(ExitCodes.USAGE, "--endpoints: at least one HOST:PORT is needed");
    }
    return new AdminClient(endpoints, this::channel, timeout);
  }
}
