package io.tso4j.client.internal;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Which endpoints failed at the transport level recently (a refused or reset connection, an attempt that timed out),
 * shared by every call of one client, so that no call walks into a dead endpoint while a live one can tell it where
 * the leader is. A mark lasts {@link #MEMORY_NANOS} unless the endpoint answers again. Thread-safe.
 */
final class Reachability {
  /** How long a transport failure keeps an endpoint suspect: 2 s. */
  static final long MEMORY_NANOS = TimeUnit.SECONDS.toNanos(2);

  private final ConcurrentHashMap<String, Long> unreachableSince = new ConcurrentHashMap<>();
  private final Ticker ticker;

  Reachability(Ticker ticker) {
    this.ticker = ticker;
  }

  /** {@code endpoint} failed at the transport level now. */
  void markUnreachable(String endpoint) {
    unreachableSince.put(endpoint, ticker.nanoTime());
  }

  /** {@code endpoint} answered (served or refused with a status of its own). */
  void markAnswered(String endpoint) {
    if (!unreachableSince.isEmpty()) {
      unreachableSince.remove(endpoint);
    }
  }

  /** Whether {@code endpoint} failed at the transport level within the last {@link #MEMORY_NANOS}. */
  boolean suspect(String endpoint) {
    Long since = unreachableSince.get(endpoint);
    if (since == null) {
      return false;
    }
    if (ticker.nanoTime() - since >= MEMORY_NANOS) {
      unreachableSince.remove(endpoint, since);
      return false;
    }
    return true;
  }
}
