package io.tso4j.client.internal;

import io.tso4j.client.Member;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The endpoints the client knows: the configured seed list, and the members it learned from the cluster.
 *
 * <p>Until the client has learned the membership, the known endpoints are the seeds. Once a node reported members
 * with endpoints, the known endpoints are those members (as in a gossip peer list), so a seed that is only a bootstrap
 * address (a DNS name, a load balancer) is not dialled again. When every known endpoint failed, {@link Rebootstrap}
 * calls {@link #resetToSeeds()} and the client starts over from the seeds. Thread-safe (copy on write).
 */
final class ClusterView {
  private final List<String> seeds;
  private volatile List<String> known;

  ClusterView(List<String> seeds) {
    this.seeds = List.copyOf(seeds);
    this.known = this.seeds;
  }

  /** The configured seed list, in order. */
  List<String> seeds() {
    return seeds;
  }

  /** The endpoints to try, in order: the learned members, or the seeds if none were learned. */
  List<String> known() {
    return known;
  }

  /** Takes in a membership report; members without a usable endpoint are ignored. Returns whether it changed. */
  boolean learn(List<Member> members) {
    Set<String> endpoints = new LinkedHashSet<>();
    for (Member m : members) {
      m.endpoint().filter(ChannelPool::isValidEndpoint).ifPresent(endpoints::add);
    }
    if (endpoints.isEmpty()) {
      return false;
    }
    List<String> next = List.copyOf(new ArrayList<>(endpoints));
    boolean changed = !next.equals(known);
    known = next;
    return changed;
  }

  /** Forgets the learned members: the known endpoints are the seeds again. */
  void resetToSeeds() {
    known = seeds;
  }
}
