package io.tso4j.client.internal;

import java.util.concurrent.atomic.AtomicReference;
import java.util.function.UnaryOperator;

/**
 * The client's view of the leader, which only moves forward by term.
 *
 * <p>Rules: anything with a lower term than the current one is ignored. A hint with a higher term replaces the view;
 * a hint with the same term only fills in an endpoint that is not known yet (one leader per term, so a second
 * endpoint for the same term is stale). A served response proves its endpoint led in its term, so it may also
 * replace the endpoint of the same term. {@link #forget(String)} drops a failed endpoint but keeps the term, so a
 * stale hint still cannot move the view back. Thread-safe (lock-free).
 */
final class LeaderCache {
  private final AtomicReference<KnownLeader> current = new AtomicReference<>(KnownLeader.NONE);

  /** The current view. */
  KnownLeader current() {
    return current.get();
  }

  /** Takes in a leader hint from a server; returns whether the view changed. */
  boolean offerHint(long term, String id, String endpoint) {
    KnownLeader offered = new KnownLeader(term, id, endpoint);
    return update(cur -> {
      if (term > cur.term()) {
        return offered;
      }
      boolean sameLeader = cur.id().isEmpty() || offered.id().isEmpty() || cur.id().equals(offered.id());
      if (term == cur.term() && !cur.hasEndpoint() && offered.hasEndpoint() && sameLeader) {
        return new KnownLeader(term, cur.id().isEmpty() ? offered.id() : cur.id(), endpoint);
      }
      return cur;
    });
  }

  /** Records that {@code endpoint} served a response in {@code term}; returns whether the view changed. */
  boolean confirmServed(long term, String endpoint) {
    return update(cur -> {
      if (term < cur.term()) {
        return cur;
      }
      String id = term == cur.term() && endpoint.equals(cur.endpoint()) ? cur.id() : "";
      return new KnownLeader(term, id, endpoint);
    });
  }

  /** Forgets {@code endpoint} as the leader's endpoint (it failed); the term stays. Returns whether it changed. */
  boolean forget(String endpoint) {
    return update(cur -> cur.endpoint().equals(endpoint) && cur.hasEndpoint()
        ? new KnownLeader(cur.term(), cur.id(), "") : cur);
  }

  private boolean update(UnaryOperator<KnownLeader> f) {
    while (true) {
      KnownLeader cur = current.get();
      KnownLeader next = f.apply(cur);
      if (next.equals(cur)) {
        return false;
      }
      if (current.compareAndSet(cur, next)) {
        return true;
      }
    }
  }
}
