package io.tso4j.server.admin;

import io.tso4j.ratis.ClusterConfiguration;
import io.tso4j.ratis.ClusterMember;
import io.tso4j.ratis.MembershipAdmin;
import io.tso4j.ratis.RatisDriver;
import io.tso4j.server.grpc.MemberDirectory;
import io.tso4j.server.grpc.MemberSource;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The members of the newest committed Raft configuration as a {@link MemberSource}: leader hints, GetMembers and the
 * admin service follow membership changes without a restart. Until the driver has started (or while the node has not
 * received any configuration yet) it answers with the directory the node was started with. Endpoints: the one the
 * start directory names for a member wins (the operator's flags are the present, the log is history: a cluster
 * restarted on new client ports must not advertise the old ones); any other member's comes from its configuration
 * entry. Thread-safe; cheap when the configuration has not changed (one comparison).
 */
public final class CommittedMembers implements MemberSource {
  private final RatisDriver driver;
  private final MemberDirectory initial;
  private volatile Snapshot last;

  private record Snapshot(ClusterConfiguration configuration, MemberDirectory directory) {
  }

  /** Follows the committed configuration of {@code driver}; {@code initial} until there is one. */
  public CommittedMembers(RatisDriver driver, MemberDirectory initial) {
    this.driver = Objects.requireNonNull(driver, "driver");
    this.initial = Objects.requireNonNull(initial, "initial");
  }

  @Override
  public MemberDirectory current() {
    Optional<MembershipAdmin> membership = driver.membership();
    if (membership.isEmpty()) {
      return initial;
    }
    ClusterConfiguration conf = membership.get().committed();
    Snapshot s = last;
    if (s != null && s.configuration() == conf) {
      return s.directory();
    }
    if (conf.members().isEmpty()) {
      return initial;
    }
    Map<String, String> endpoints = new LinkedHashMap<>();
    for (ClusterMember m : conf.members()) {
      String endpoint = initial.endpointOf(m.id()).orElse(m.clientEndpoint());
      endpoints.put(m.id(), endpoint);
    }
    MemberDirectory d = MemberDirectory.observedBy(initial.localId(), endpoints);
    last = new Snapshot(conf, d);
    return d;
  }
}
