package io.tso4j.server;

import io.tso4j.core.ServingState;
import io.tso4j.core.ServingState.Status;

/**
 * Whether a node is a healthy member of its cluster, for HTTP probes and metrics: it is running (not POISONED or
 * STOPPED) and knows a leader (itself when it serves or fences). A follower that knows the leader is healthy; a FROZEN
 * leader that knows no other leader, or a node in an election, is not.
 *
 * @param nodeId the node's id
 * @param healthy whether the node is healthy
 * @param state the serving state the verdict was made from
 */
public record NodeHealth(String nodeId, boolean healthy, ServingState state) {
  /** The health of node {@code nodeId} in {@code state}. */
  public static NodeHealth of(String nodeId, ServingState state) {
    boolean running = state.status() != Status.POISONED && state.status() != Status.STOPPED;
    return new NodeHealth(nodeId, running && state.leaderId().isPresent(), state);
  }

  /** The health of {@code node} now. */
  public static NodeHealth of(TsoNode node) {
    return of(node.id(), node.oracle().state());
  }

  /** One line: {@code n1 ok SERVING term=3 leader=n1}, or {@code n2 unhealthy NOT_SERVING term=3 leader=none}. */
  public String line() {
    return nodeId + (healthy ? " ok " : " unhealthy ") + state.status() + " term=" + state.term() + " leader="
        + state.leaderId().orElse("none");
  }
}
