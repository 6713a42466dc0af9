package io.tso4j.cli;

import io.grpc.ChannelCredentials;
import io.grpc.Grpc;
import io.grpc.ManagedChannel;
import java.time.Duration;
import java.util.List;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * The options of every command that talks to the admin service: which nodes to ask, for how long, and over which
 * transport ({@link ClientTlsOptions}: with mutual TLS on, the admin service wants a client certificate like every
 * call), and the one method that opens a channel to a node ({@link #channel}).
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

  @Mixin
  ClientTlsOptions tls;

  /** A channel to {@code endpoint} (host:port). The one place where admin commands build a channel. */
  ManagedChannel channel(String endpoint) {
    return channel(endpoint, tls.credentials());
  }

  /** A channel to {@code endpoint} with {@code credentials}. */
  static ManagedChannel channel(String endpoint, ChannelCredentials credentials) {
    return Grpc.newChannelBuilder(endpoint, credentials).build();
  }

  /** An admin client over these options; close it when done. */
  AdminClient client() {
    if (endpoints == null || endpoints.isEmpty()) {
      throw new CliException(ExitCodes.USAGE, "--endpoints: at least one HOST:PORT is needed");
    }
    tls.credentials(); // a bad TLS combination is a usage error before any call
    return new AdminClient(endpoints, this::channel, timeout);
  }
}
