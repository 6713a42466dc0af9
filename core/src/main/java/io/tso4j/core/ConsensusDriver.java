package io.tso4j.core;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * The replicated register behind the oracle: one high-water mark (a physical millisecond) that only grows, written
 * only by the leader of a given term, plus the lease records the fence needs (the largest lease any write carried, and
 * whether the last lease event was a release).
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
   * Reads the register through consensus, as of a point after every write committed before this call, and only if
   * this node leads in {@code term}. Fails with NOT_LEADER or FENCED otherwise.
   */
  CompletableFuture<LoadedMark> loadHighWater(long term);

  /**
   * Raises the high-water mark to at least {@code atLeast} through consensus, in {@code term} only, and returns the
   * stored value (never below {@code atLeast} on success, never lower than any earlier stored value). A command
   * whose term is not the term of its log entry, or older than the newest fenced term, fails with FENCED.
   *
   * <p>Every persist carries this node's {@link #leaseDuration()}: the register keeps the largest ever seen and a load
   * returns it ({@link LoadedMark#largestLease()}), so that a new leader with a shorter lease still waits out a longer
   * one. A persist is a lease-granting write: it ends a {@link #releaseLease release}.
   *
   * <p>Success proves this node led in {@code term} at some moment after the call was made; that is what the
   * serving lease is built on (see {@link #leaseDuration()}).
   */
  CompletableFuture<Long> persistHighWater(long atLeast, long term);

  /**
   * Commits an explicit lease release through consensus, in {@code term} only (term-checked like a persist): this node
   * has stopped serving for good and no timestamp it served has a physical part above {@code servedUpTo} (the
   * register raises the mark to at least that). If the last lease-granting write in the log is this term's, the
   * register records that the lease is released, and a new leader whose load finds no lease-granting write after it
   * may skip its lease wait (docs/correctness.md H2). Returns the stored mark. Call it only after a completed fence in
   * {@code term} and after the allocator closed: the release vouches for every lease before it.
   */
  CompletableFuture<Long> releaseLease(long term, long servedUpTo);

  /**
   * How long after sending a write that then commits no other node can become leader and commit a write, as the
   * consensus timeouts guarantee (with a safety factor already applied). The serving lease is this long.
   */
  Duration leaseDuration();

  /** Leadership as the driver sees it right now (the polled safety net beside the pushed events). */
  LeadershipEvent currentLeadership();

  /**
   * Starts sampling the other voters' monotonic clocks (docs/correctness.md C6): from now on this node answers its
   * peers' probes with {@code monoNanos} and stamps its own probes with it, and hands every reading to {@code sink}
   * (from any thread; the sink must return quickly). Call it before {@link #start}. A driver that cannot probe its
   * peers ignores it (the default): the peer view then never makes the node suspect.
   */
  default void startPeerClockSamples(LongSupplier monoNanos, Consumer<PeerClockSample> sink) {
  }

  /**
   * Asks the consensus layer to hand leadership to another member, if this node leads; returns at once (the transfer
   * runs elsewhere, bounded in time). The caller has stopped serving. The default does nothing.
   */
  default void yieldLeadership() {
  }

  /** This node's id. */
  String localId();

  /** Stops the driver; later calls fail with PERMANENT. */
  @Override
  void close();
}
