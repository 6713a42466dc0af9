package io.tso4j.ratis;

import java.util.Objects;

/**
 * One member of the TSO group as the Raft configuration records it: id, Raft address, client endpoint and whether it
 * votes (a non-voting member is a Ratis listener, called a learner in tso4j). Immutable.
 *
 * @param id the node id
 * @param raftAddress the Raft address, host:port
 * @param clientEndpoint the client (gRPC) endpoint host:port, or empty if the configuration does not record it
 * @param voter true for a voting member, false for a learner
 */
public record ClusterMember(String id, String raftAddress, String clientEndpoint, boolean voter) {
  /** Validates the fields. */
  public ClusterMember {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(raftAddress, "raftAddress");
    clientEndpoint = clientEndpoint == null ? "" : clientEndpoint;
  }
}
