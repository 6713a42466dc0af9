package io.tso4j.cli;

import io.grpc.ChannelCredentials;
import io.grpc.InsecureChannelCredentials;
import io.grpc.TlsChannelCredentials;
import io.tso4j.proto.v1.AddMemberRequest;
import io.tso4j.ratis.InitialFloor;
import io.tso4j.server.PeerSpec;
import io.tso4j.timestamp.Timestamp;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import picocli.CommandLine.Option;

/**
 * The options of {@code serve} that decide how a node gets its membership: form a group from {@code --peers}, or
 * {@code --join} a running one (asking its admin service to add this node), and the {@code --initial-floor} of a new
 * group. A data directory that already holds the group's log always recovers the membership from the log.
 */
final class MembershipOptions {
  /** Default of {@code --join-timeout}. */
  static final String DEFAULT_JOIN_TIMEOUT = "120s";

  @Option(names = "--join", split = ",", paramLabel = "HOST:PORT[,HOST:PORT...]",
      description = "Join a running cluster through these client endpoints instead of forming one from --peers"
          + " (needs --peer-address; an empty data dir asks to be added, a restarted one recovers from its log).")
  List<String> join;

  @Option(names = "--peer-address", paramLabel = "HOST:RAFT_PORT/CLIENT_PORT",
      description = "With --join: this node's Raft address and client port, as the others must reach them.")
  String peerAddress;

  @Option(names = "--join-timeout", defaultValue = DEFAULT_JOIN_TIMEOUT, converter = DurationConverter.class,
      description = "With --join: how long to keep asking to be added (default: ${DEFAULT-VALUE}).")
  Duration joinTimeout;

  @Option(names = "--initial-floor", paramLabel = "TS",
      description = "Form the group above this timestamp (migrating from another oracle). Only when the group is"
          + " formed for the first time: refused if the data dir holds a Raft log. Give it to every node.")
  Long initialFloor;

  /** Whether this node joins a running cluster. */
  boolean joining() {
    return join != null && !join.isEmpty();
  }

  /** This node's spec from {@code --peer-address}; a usage error if absent or malformed. */
  PeerSpec self(String id) {
    if (peerAddress == null) {
      throw new CliException(ExitCodes.USAGE, "--join needs --peer-address HOST:RAFT_PORT/CLIENT_PORT");
    }
    PeerSpec p = AdminCommand.parsePeerAddress(id, peerAddress);
    if (p.clientPort() == 0) {
      throw new CliException(ExitCodes.USAGE, "--peer-address " + peerAddress
          + ": the client port is needed (HOST:RAFT_PORT/CLIENT_PORT) so that the others can redirect to this node");
    }
    return p;
  }

  /**
   * Checks {@code --initial-floor} against the data directory and writes it there (before the node starts).
   *
   * @throws CliException USAGE if the directory already holds a Raft log or the node joins
   */
  void applyInitialFloor(Path dataDir) {
    if (initialFloor == null) {
      return;
    }
    if (initialFloor < 0) {
      throw new CliException(ExitCodes.USAGE, "--initial-floor must be a timestamp (>= 0), was " + initialFloor);
    }
    if (joining()) {
      throw new CliException(ExitCodes.USAGE, "--initial-floor applies to a new group, not to a node that joins one;"
          + " use tso4j admin raise-floor on the running cluster");
    }
    try {
      if (InitialFloor.holdsRaftLog(dataDir)) {
        throw new CliException(ExitCodes.USAGE, "--initial-floor is honoured only when the group is formed for the"
            + " first time, and data dir " + dataDir + " already holds a Raft log; use tso4j admin raise-floor"
            + " --at-least " + initialFloor + " on the running cluster instead");
      }
      InitialFloor.write(dataDir, Timestamp.physicalOf(initialFloor));
    } catch (IOException e) {
      throw new CliException(ExitCodes.STARTUP, "cannot write the initial floor into " + dataDir + ": "
          + e.getMessage(), e);
    }
  }

  /**
   * The credentials a joining node calls the cluster with: plaintext if this node's client port is plaintext;
   * otherwise TLS that trusts {@code clientCaFile} (the CA of the cluster's certificates, which signs client
   * certificates too) and presents this node's own certificate and key as its client certificate.
   *
   * @throws CliException USAGE if TLS is on without a CA to trust the cluster with
   */
  static ChannelCredentials joinCredentials(Path certFile, Path keyFile, Path clientCaFile) {
    if (certFile == null) {
      return InsecureChannelCredentials.create();
    }
    if (clientCaFile == null) {
      throw new CliException(ExitCodes.USAGE, "--join with TLS needs --tls-client-ca-file: the CA of the cluster's"
          + " certificates, to trust the cluster's nodes and to be trusted by them");
    }
    try {
      return TlsChannelCredentials.newBuilder().trustManager(clientCaFile.toFile())
          .keyManager(certFile.toFile(), keyFile.toFile()).build();
    } catch (IOException | RuntimeException e) {
      throw new CliException(ExitCodes.STARTUP, "--join: cannot read the TLS files (" + certFile + ", " + keyFile
          + ", " + clientCaFile + "): " + e.getMessage(), e);
    }
  }

  /** Asks the running cluster to add {@code self} (following redirects to the leader), within the join timeout. */
  void askToBeAdded(PeerSpec self, ChannelCredentials credentials) {
    try (AdminClient client = new AdminClient(join, e -> AdminEndpointOptions.channel(e, credentials),
        joinTimeout)) {
      client.onLeader("joining through " + String.join(",", join), a -> a.addMember(AddMemberRequest.newBuilder()
          .setId(self.id()).setRaftAddress(self.raftAddress()).setClientEndpoint(self.clientEndpoint()).build()));
    }
  }
}
