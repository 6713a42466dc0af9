package io.tso4j.ratis;

import java.util.Map;

/**
 * How a node that owns its Ratis server learns its group: the client endpoints to record with the initial peers
 * (id → host:port; an id without one has no known endpoint), and whether it joins a running group instead of
 * forming one. A joining node starts with an empty configuration and receives the real one from the leader after an
 * existing member added it; a node whose data directory holds a log always recovers the configuration from the log,
 * whatever the seed says. Immutable.
 *
 * @param clientEndpoints id → client endpoint for the initial peers
 * @param join true to start with an empty configuration (the node is added by a running group)
 */
public record MembershipSeed(Map<String, String> clientEndpoints, boolean join) {
  /** Copies the map. */
  public MembershipSeed {
    clientEndpoints = Map.copyOf(clientEndpoints);
  }

  /** No client endpoints, no join: what a node started without them had. */
  public static MembershipSeed none() {
    return new MembershipSeed(Map.of(), false);
  }
}
