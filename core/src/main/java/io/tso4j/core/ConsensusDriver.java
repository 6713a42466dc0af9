package io.tso4j.core;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * The replicated register behind the oracle: one high-water mark (a physical millisecond) that only grows, written
 * only by the leader of a given term.
 *
 * <p>Futures complete exceptionally with a {@link ConsensusException} and nothing else. Implementations must be
 * thread-safe, must never call the listener while holding a lock a driver call waits on, and must not block in
 * consensus callbacks.
 */
public interface ConsensusDriver extends AutoCloseable {
  /**
   * Starts the driver; from now on leadership changes are pushed to {@code listener} (from any thread, possibly
   * repeated). The listener must return quickly.
   */
  void start(Consumer<LeadershipEvent> listener) throws ConsensusException;

  /**
   * Reads the high-water mark through consensus, as of a point after every write committed before this call, and
   * only if this node leads in {@code term}. Fails with NOT_LEADER or FENCED otherwise.
   */
  CompletableFuture<Long> loadHighWater(long term);

  /**
   * Raises the high-water mark to at least {@code atLeast} through consensus, in {@code term} only, and returns the
   * stored value (never below {@code atLeast} on success, never lower than any earlier stored value). A command
   * whose term is not the term of its log entry, or older than the newest fenced term, fails with FENCED.
   *
   * <p>Success proves this node led in {@code term} at some moment after the call was made; that is what the
   * serving lease is built on (see {@link #leaseDuration()}).
   */
  CompletableFuture<Long> persistHighWater(long atLeast, long term);

  /**
   * How long after sending a write that then commits no other node can become leader and commit a write, as the
   * consensus timeouts guarantee (with a safety factor already applied). The serving lease is this long.
   */
  Duration leaseDuration();

  /** Leadership as the driver sees it right now (the polled safety net beside the pushed events). */
  LeadershipEvent currentLeadership();

  /** This node's id. */
  String localId();

  /** Stops the driver; later calls fail with PERMANENT. */
  @Override
  void close();
}
