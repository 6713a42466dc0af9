package io.tso4j.ratis;

import java.util.List;
import java.util.Optional;

/**
 * A committed Raft configuration of the TSO group: its members (voters first, then learners, each in configuration
 * order) and the log index of the entry that set it (-1 for the configuration a node started with before any entry
 * was committed). Immutable.
 *
 * @param logIndex the index of the configuration entry
 * @param members the members
 */
public record ClusterConfiguration(long logIndex, List<ClusterMember> members) {
  /** Copies the member list. */
  public ClusterConfiguration {
    members = List.copyOf(members);
  }

  /** The member with {@code id}, if any. */
  public Optional<ClusterMember> member(String id) {
    return members.stream().filter(m -> m.id().equals(id)).findFirst();
  }

  /** The voting members. */
  public List<ClusterMember> voters() {
    return members.stream().filter(ClusterMember::voter).toList();
  }
}
