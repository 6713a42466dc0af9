package io.tso4j.client.internal;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Goes back to the seed list when every known endpoint failed: rebuilds the channels (so seed names are resolved
 * again and no channel keeps an old address or a long reconnect backoff), makes the seeds the known endpoints, and
 * asks a seed for the membership in the background.
 *
 * <p>Single flight: while one re-bootstrap runs, further triggers are dropped (they would only repeat it). Errors of
 * the membership query are swallowed; the next round of the dispatcher retries. Thread-safe.
 */
final class Rebootstrap {
  /** What a re-bootstrap does after the channels are rebuilt; must not block and must call done when finished. */
  interface Refresh {
    /** Starts a membership query against the seeds and runs {@code done} when it ends either way. */
    void start(Runnable done);
  }

  private final ChannelPool channels;
  private final ClusterView view;
  private final Refresh refresh;
  private final AtomicBoolean running = new AtomicBoolean();
  private final AtomicLong count = new AtomicLong();

  Rebootstrap(ChannelPool channels, ClusterView view, Refresh refresh) {
    this.channels = channels;
    this.view = view;
    this.refresh = refresh;
  }

  /** Re-bootstraps unless one is already running; returns whether this call started one. */
  boolean trigger() {
    if (!running.compareAndSet(false, true)) {
      return false;
    }
    count.incrementAndGet();
    try {
      view.resetToSeeds();
      channels.rebuild();
      refresh.start(() -> running.set(false));
    } catch (RuntimeException e) {
      running.set(false);
    }
    return true;
  }

  /** Whether a re-bootstrap is running now. */
  boolean running() {
    return running.get();
  }

  /** How many re-bootstraps have started. */
  long count() {
    return count.get();
  }
}
