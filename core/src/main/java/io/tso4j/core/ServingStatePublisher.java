package io.tso4j.core;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Holds the current {@link ServingState} and tells listeners about every change. Thread-safe; listeners run on the
 * publishing thread and must return quickly.
 */
public final class ServingStatePublisher {
  private static final Logger LOG = LoggerFactory.getLogger(ServingStatePublisher.class);

  private final String nodeId;
  private final List<Consumer<ServingState>> listeners = new CopyOnWriteArrayList<>();
  private volatile ServingState current = ServingState.initial();

  /** A publisher for the node {@code nodeId} (used as the log prefix). */
  public ServingStatePublisher(String nodeId) {
    this.nodeId = nodeId;
  }

  /** The current state. */
  public ServingState current() {
    return current;
  }

  /** Adds a listener and calls it at once with the current state. */
  public void addListener(Consumer<ServingState> listener) {
    listeners.add(listener);
    listener.accept(current);
  }

  /** Removes a listener. */
  public void removeListener(Consumer<ServingState> listener) {
    listeners.remove(listener);
  }

  /**
   * Publishes {@code next} if it differs from the current state and the move is legal; returns whether it was
   * published.
   */
  public synchronized boolean publish(ServingState next) {
    ServingState prev = current;
    if (prev.equals(next)) {
      return false;
    }
    if (!prev.status().canMoveTo(next.status())) {
      LOG.debug("[{}] ignored illegal serving-state move {} -> {}", nodeId, prev, next);
      return false;
    }
    current = next;
    if (prev.status() != next.status() || prev.term() != next.term()) {
      LOG.info("[{}] serving state {} term {} -> {} term {}{}", nodeId, prev.status(), prev.term(), next.status(),
          next.term(), next.leaderId().map(l -> " (leader " + l + ")").orElse(""));
    }
    for (Consumer<ServingState> l : listeners) {
      try {
        l.accept(next);
      } catch (RuntimeException e) {
        LOG.warn("[{}] serving-state listener failed", nodeId, e);
      }
    }
    return true;
  }
}
