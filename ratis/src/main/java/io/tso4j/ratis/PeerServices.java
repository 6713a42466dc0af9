package io.tso4j.ratis;

import java.util.List;
import java.util.Set;
import org.apache.ratis.thirdparty.io.grpc.ServerServiceDefinition;

/**
 * The calls a tso4j node answers its peers on its Raft port besides the Raft peer protocol: its monotonic clock
 * ({@link PeerClockService}) and how far its log goes ({@link PeerLogService}). Immutable; the services are
 * thread-safe.
 */
record PeerServices(PeerClockService clock, PeerLogService log) {
  /** A node's services, not yet fed (the clock answers the system's, the log UNAVAILABLE, until set). */
  static PeerServices create() {
    return new PeerServices(new PeerClockService(), new PeerLogService());
  }

  /** The gRPC services to add to the Raft port. */
  List<ServerServiceDefinition> definitions() {
    return List.of(clock.definition(), log.definition());
  }

  /** Their service names. */
  static Set<String> names() {
    return Set.of(PeerClockService.SERVICE, PeerLogService.SERVICE);
  }
}
